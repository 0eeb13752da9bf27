/**
 * Durable memory: what the user or their assistant chose to remember (facts, preferences,
 * procedures), by namespace and key, every write a new version. The store is storage/memory.ts.
 */
import { LoreError } from '../errors';

export const MEMORY_TYPES = ['semantic', 'episodic', 'procedural'] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

/** JSON: what a memory holds (a string for a plain fact, an object or list for structured ones). */
export type MemoryValue = string | number | boolean | null | MemoryValue[] | { [key: string]: MemoryValue };

export const MEMORY_OPERATIONS = ['create', 'update', 'delete', 'restore', 'consolidate', 'expire', 'purge', 'import'] as const;
export type MemoryOperation = (typeof MEMORY_OPERATIONS)[number];

export interface MemoryEntry {
  namespace: string;
  key: string;
  value: MemoryValue;
  type: MemoryType;
  version: number;
  deleted: boolean;
  metadata: Record<string, unknown>;
  createdBy: string;
  updatedBy: string;
  createdAt: number;
  updatedAt: number;
  /** Episodic entries with a TTL: recall stops returning it after this (ms since the epoch). */
  expiresAt?: number;
}

/** Who writes, and from where: recorded on the entry and in the audit. */
export interface MemoryActor {
  /** A person, "cli", "mcp:<client>", "lm:lore_remember", "chat"... */
  by?: string;
  /** The session the write came from (a chat conversation, an MCP client's session). */
  sessionId?: string;
}

export interface RememberOptions extends MemoryActor {
  type?: MemoryType;
  metadata?: Record<string, unknown>;
  /** Episodic entries only: forget it this long after writing (ms). */
  ttlMs?: number;
  /** The audit's operation (default create/update; consolidation and import say so). */
  operation?: 'consolidate' | 'import';
}

export interface MemoryAuditRecord {
  namespace: string;
  key: string;
  version: number | null;
  operation: MemoryOperation;
  actor: string;
  sessionId?: string;
  at: number;
}

export interface MemoryHit {
  source: 'memory';
  entry: MemoryEntry;
  /** The value as one line of text, the matched words marked by `highlights`. */
  snippet: string;
  highlights: [number, number][];
  /** Higher is better; comparable only within one list. */
  score: number;
  /** Found by its words, by meaning (semantic search was live), or both. */
  retriever?: 'keyword' | 'semantic' | 'both';
  /** Cosine similarity to the query, when found by meaning. */
  similarity?: number;
}

export interface MemoryListOptions {
  /** Only entries of this type. */
  type?: MemoryType;
  /** Include forgotten entries (their latest version is deleted). */
  includeDeleted?: boolean;
  limit?: number;
}

const SEGMENT = /^[a-z0-9][a-z0-9._-]*$/;
/** The scope (the first segment) starts with a letter, as the schema's CHECK says. */
const SCOPE = /^[a-z][a-z0-9._-]*$/;
export const NAMESPACE_MAX = 200;
export const KEY_MAX = 200;
/** A value's JSON, at most (memory is for facts and procedures, not documents: those belong in markdown). */
export const VALUE_MAX_BYTES = 64 * 1024;

/**
 * Checks a namespace ("project:lore:deploy"): a scope and one or more segments separated by ':',
 * each lowercase letters, digits, '.', '_' or '-'. Returns it trimmed, or throws saying what is wrong.
 */
export function checkNamespace(namespace: string): string {
  const ns = namespace.trim();
  const parts = ns.split(':');
  if (ns.length > NAMESPACE_MAX) throw new LoreError('BAD_INPUT', `A memory namespace is at most ${NAMESPACE_MAX} characters (this one has ${ns.length}).`);
  if (parts.length < 2 || !SCOPE.test(parts[0]) || parts.some((p) => !SEGMENT.test(p))) {
    throw new LoreError('BAD_INPUT', `"${namespace}" is not a memory namespace: write a scope (starting with a letter) and a name separated by ':', in lowercase letters, digits, '.', '_' or '-' (for example project:lore or user:prefs:editor).`);
  }
  return ns;
}

/** A namespace prefix for listing: "" (everything), a scope ("project" or "project:"), or a namespace. */
export function checkPrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').trim().replace(/:$/, '');
  if (!p) return '';
  if (!SCOPE.test(p.split(':')[0]) || p.split(':').some((s) => !SEGMENT.test(s))) {
    throw new LoreError('BAD_INPUT', `"${prefix}" is not a namespace prefix: segments of lowercase letters, digits, '.', '_' or '-' separated by ':' (for example project or project:lore).`);
  }
  return p;
}

export function checkKey(key: string): string {
  const k = key.trim();
  if (!k) throw new LoreError('BAD_INPUT', 'A memory needs a key (a short name for it, such as staging-db or migrations).');
  if (k.length > KEY_MAX) throw new LoreError('BAD_INPUT', `A memory key is at most ${KEY_MAX} characters (this one has ${k.length}).`);
  if (/[\u0000-\u001f]/.test(k)) throw new LoreError('BAD_INPUT', 'A memory key cannot hold control characters or line breaks.');
  return k;
}

export function checkType(type: string | undefined): MemoryType {
  if (type === undefined) return 'semantic';
  const t = MEMORY_TYPES.find((x) => x === type);
  if (!t) throw new LoreError('BAD_INPUT', `A memory's type is semantic, episodic or procedural, not "${type}".`);
  return t;
}

/** The value's JSON text, checked: JSON-serialisable and not too large. */
export function valueJson(value: unknown): string {
  if (value === undefined) throw new LoreError('BAD_INPUT', 'A memory needs a value.');
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new LoreError('BAD_INPUT', `A memory's value must be JSON: ${(err as Error).message}`);
  }
  if (text === undefined) throw new LoreError('BAD_INPUT', 'A memory\'s value must be JSON (a string, number, boolean, null, list or object).');
  const bytes = Buffer.byteLength(text);
  if (bytes > VALUE_MAX_BYTES) throw new LoreError('BAD_INPUT', `A memory's value is at most ${VALUE_MAX_BYTES / 1024} KB of JSON (this one is ${Math.ceil(bytes / 1024)} KB); keep long text in a markdown file.`);
  return text;
}

/** The string values of a memory, in order: what text search and snippets read. */
export function valueText(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        walk(x);
      }
    }
  };
  walk(value);
  return out.join(' ').replace(/\s+/g, ' ').trim();
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A TTL as people write it ("90m", "12h", "7d", "2w", "30s") in milliseconds. */
export function parseTtl(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2].toLowerCase()] : NaN;
  if (!(ms > 0)) throw new LoreError('BAD_INPUT', `A TTL is a number and a unit (s, m, h, d or w), such as 12h or 7d, not "${text}".`);
  return ms;
}

/** Any name (a workspace's, a session id) as one namespace segment: lowercase, other characters '-', starting with a letter or digit. */
export function namespaceSegment(text: string, fallback: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').replace(/-+$/, '') || fallback;
}

/** A value as a person typed it: JSON when it reads as an object or a list, otherwise the text itself. */
export function valueFromText(text: string): unknown {
  const t = text.trim();
  if (/^[[{]/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      /* text that only starts like JSON */
    }
  }
  return t;
}

/** A value typed in place of a JSON one: JSON when it parses (42 stays a number), otherwise the text. */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.trim();
  }
}
