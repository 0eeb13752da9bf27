/**
 * Memories out and in: JSON (every live entry, for another machine or a backup a script reads)
 * and markdown (one file per namespace, to review or commit). Import writes each entry as a new
 * version audited as 'import', and skips one whose value is already the latest: running an import
 * twice changes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LoreError } from '../errors';
import type { MemoryStore } from '../storage/memory';
import { checkKey, checkNamespace, checkType, type MemoryActor, type MemoryEntry, type MemoryType, valueJson } from './types';

export const EXPORT_FORMAT = 'lore-memory';

export interface MemoryExport {
  format: typeof EXPORT_FORMAT;
  version: 1;
  exportedAt: string;
  entries: MemoryEntry[];
}

export interface ImportItem {
  namespace: string;
  key: string;
  value: unknown;
  type?: MemoryType;
  metadata?: Record<string, unknown>;
  /** Episodic entries: when it expires (ms since the epoch). */
  expiresAt?: number;
}

export async function exportJson(store: MemoryStore, prefix?: string, now = Date.now()): Promise<MemoryExport> {
  // Namespace by namespace: a listing stops at 100,000 entries, a whole memory may hold more.
  const entries: MemoryEntry[] = [];
  for (const { namespace } of await store.namespaces(prefix)) entries.push(...(await store.list(namespace, { limit: 100_000 })).filter((e) => e.namespace === namespace));
  return { format: EXPORT_FORMAT, version: 1, exportedAt: new Date(now).toISOString(), entries };
}

/** The entries of an export (ours, or a plain list of {namespace, key, value}), checked; the position of a bad one said. */
export function parseJsonExport(text: string, where: string): ImportItem[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new LoreError('BAD_INPUT', `${where} is not JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { entries?: unknown })?.entries;
  if (!Array.isArray(list)) throw new LoreError('BAD_INPUT', `${where} holds no memories: expected a Lore memory export ({"format": "lore-memory", "entries": [...]}) or a list of {namespace, key, value}.`);
  return list.map((e, i) => {
    const item = e as Partial<ImportItem>;
    if (!item || typeof item.namespace !== 'string' || typeof item.key !== 'string' || !('value' in item)) {
      throw new LoreError('BAD_INPUT', `${where}: entry ${i + 1} needs a namespace, a key and a value.`);
    }
    return { namespace: item.namespace, key: item.key, value: item.value, type: item.type, metadata: item.metadata, ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}) };
  });
}

/** Writes what differs from the latest versions; returns how many were written and how many were already so. */
export async function importItems(store: MemoryStore, items: ImportItem[], actor: MemoryActor = {}): Promise<{ written: number; unchanged: number }> {
  // Everything checked before anything is written: a bad entry at the end leaves memory as it was.
  for (const [i, it] of items.entries()) {
    try {
      checkNamespace(it.namespace);
      checkKey(it.key);
      checkType(it.type);
      valueJson(it.value);
      if (it.metadata !== undefined && (it.metadata === null || typeof it.metadata !== 'object' || Array.isArray(it.metadata))) throw new Error("a memory's metadata must be a JSON object.");
    } catch (err) {
      throw new LoreError('BAD_INPUT', `entry ${i + 1} (${it.namespace} ${it.key}): ${(err as Error).message}`);
    }
  }
  let written = 0;
  let unchanged = 0;
  const at = Date.now();
  for (const it of items) {
    // An episodic entry keeps what is left of its TTL; one past it is not brought back.
    const ttlMs = it.expiresAt !== undefined && (it.type ?? 'semantic') === 'episodic' ? it.expiresAt - at : undefined;
    if (ttlMs !== undefined && ttlMs <= 0) {
      unchanged++;
      continue;
    }
    const now = await store.recall(it.namespace, it.key);
    if (now && JSON.stringify(now.value) === JSON.stringify(it.value) && now.type === (it.type ?? 'semantic')) {
      unchanged++;
      continue;
    }
    await store.remember(it.namespace, it.key, it.value, { ...actor, type: it.type ?? 'semantic', metadata: it.metadata, ttlMs, operation: 'import' });
    written++;
  }
  return { written, unchanged };
}

// ---- markdown: one file per namespace -----------------------------------------------------------

const FENCE = '```';

/**
 * A file name for a namespace: "project:lore:deploy" -> "project.lore.deploy.md", a '.' of the
 * namespace doubled ("user:a.b" -> "user.a..b.md") so that no two namespaces share a file.
 */
export const namespaceFile = (namespace: string) => `${namespace.replace(/\./g, '..').replace(/:/g, '.')}.md`;

/** The live entries of each namespace as markdown: a heading per key, the value as text or as a JSON block. */
export function toMarkdown(entries: MemoryEntry[]): Map<string, string> {
  const byNs = new Map<string, MemoryEntry[]>();
  for (const e of entries) byNs.set(e.namespace, [...(byNs.get(e.namespace) ?? []), e]);
  const files = new Map<string, string>();
  for (const [ns, list] of byNs) {
    const parts = [`# ${ns}`, ''];
    for (const e of list) {
      const by = e.updatedBy ? ` by ${e.updatedBy}` : '';
      parts.push(`## ${e.key}`, '', `<!-- lore-memory type=${e.type} version=${e.version} updated=${new Date(e.updatedAt).toISOString()}${by.replace(/--/g, '- -')} -->`, '');
      const plain = typeof e.value === 'string' && e.value.trim() === e.value && e.value !== '' && !e.value.includes(FENCE) && !/^(#|<!--)/m.test(e.value);
      parts.push(plain ? (e.value as string) : `${FENCE}json\n${JSON.stringify(e.value, null, 2)}\n${FENCE}`, '');
    }
    const name = namespaceFile(ns);
    if (files.has(name)) throw new LoreError('BAD_INPUT', `Two namespaces would both be written to ${name}; export as JSON instead.`);
    files.set(name, parts.join('\n'));
  }
  return files;
}

/** Reads a file toMarkdown wrote (or one written by hand the same way) back into entries. */
export function fromMarkdown(text: string, where: string): ImportItem[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const title = lines.findIndex((l) => /^# \S/.test(l));
  if (title < 0) throw new LoreError('BAD_INPUT', `${where} has no "# <namespace>" heading.`);
  const namespace = lines[title].slice(2).trim();
  const items: ImportItem[] = [];
  let key: string | undefined;
  let body: string[] = [];
  let type: MemoryType | undefined;
  const flush = (line: number) => {
    if (key === undefined) return;
    const raw = body.join('\n').trim();
    const fenced = raw.match(/^```json\n([\s\S]*)\n```$/);
    let value: unknown = raw;
    if (fenced) {
      try {
        value = JSON.parse(fenced[1]);
      } catch (err) {
        throw new LoreError('BAD_INPUT', `${where}: the JSON of "${key}" (before line ${line}) is not valid: ${(err as Error).message}`);
      }
    }
    items.push({ namespace, key, value, type });
  };
  for (let i = title + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('## ')) {
      flush(i + 1);
      key = l.slice(3).trim();
      body = [];
      type = undefined;
    } else if (key !== undefined && /^<!-- lore-memory .*-->$/.test(l.trim()) && !body.some((b) => b.trim())) {
      type = l.match(/type=(\w+)/)?.[1] as MemoryType | undefined;
    } else if (key !== undefined) body.push(l);
  }
  flush(lines.length);
  return items;
}

// ---- files -------------------------------------------------------------------------------------

/** What a path holds for import: a JSON export, a markdown file, or a folder of markdown files. */
export function readImportPath(from: string): ImportItem[] {
  if (!fs.existsSync(from)) throw new LoreError('BAD_INPUT', `${from} does not exist.`);
  if (fs.statSync(from).isDirectory()) {
    const files = fs.readdirSync(from).filter((f) => f.endsWith('.md')).sort();
    if (!files.length) throw new LoreError('BAD_INPUT', `${from} holds no markdown files to import.`);
    return files.flatMap((f) => fromMarkdown(fs.readFileSync(path.join(from, f), 'utf8'), path.join(from, f)));
  }
  const text = fs.readFileSync(from, 'utf8');
  return from.endsWith('.md') ? fromMarkdown(text, from) : parseJsonExport(text, from);
}

/** Writes every live memory to `to`: one JSON file, or one markdown file per namespace in the folder `to`. Returns the files written. */
export async function writeExport(store: MemoryStore, to: string, format: 'json' | 'markdown'): Promise<{ entries: number; files: string[] }> {
  const data = await exportJson(store);
  if (format === 'json') {
    fs.writeFileSync(to, `${JSON.stringify(data, null, 2)}\n`);
    return { entries: data.entries.length, files: [to] };
  }
  fs.mkdirSync(to, { recursive: true });
  const files: string[] = [];
  for (const [name, text] of toMarkdown(data.entries)) {
    fs.writeFileSync(path.join(to, name), text);
    files.push(path.join(to, name));
  }
  return { entries: data.entries.length, files };
}
