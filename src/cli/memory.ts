/**
 * `lore memory`: remember, recall, list, history, forget, restore, search, export and import
 * durable memories, found from the current folder like `lore search`. Recall of a missing or
 * forgotten key exits 1; every command takes --json (entries carry their version).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LoreError } from '../core/errors';
import type { Lore } from '../core/lore';
import { exportJson, importItems, readImportPath, writeExport } from '../core/memory/transfer';
import { memoryValueText, notRecalled } from '../core/memory/format';
import { checkType, type MemoryEntry, parseTtl } from '../core/memory/types';

export interface MemoryIo {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
  ask?: (question: string) => Promise<string>;
}

export interface MemoryFlags {
  json: boolean;
  type?: string;
  ttl?: string;
  to?: string;
  yes: boolean;
  purge: boolean;
  format?: string;
}

export const MEMORY_HELP = `lore memory: durable memory (facts, preferences, procedures), kept with session history

  lore memory remember <namespace> <key> <value> [--type semantic|episodic|procedural] [--ttl 12h]
                         value: JSON, or plain text (kept as a string); a new version each time
  lore memory recall <namespace> <key>     the latest value (exit 1 when there is none or it was forgotten)
  lore memory list [prefix] [--type T]     live entries in a namespace and below it ("project", "project:lore")
  lore memory history <namespace> <key>    every version, newest first
  lore memory forget <namespace> <key>     soft delete (history and restore keep it); --purge deletes every
                                           version for good (asks, or --yes)
  lore memory restore <namespace> <key> <version>   that version's value as a new version
  lore memory search <query...>            entries whose words match
  lore memory export [--to FILE|DIR] [--format json|markdown]
                         JSON to stdout or FILE; markdown: one file per namespace in DIR
  lore memory import <FILE|DIR>            a JSON export, or markdown files as export writes them

Namespaces are a scope and a name separated by ':' (project:lore:deploy, user:prefs). --json on every command.`;

const ACTOR = { by: 'cli' };

function preview(e: MemoryEntry, width = 60): string {
  const line = memoryValueText(e).replace(/\s+/g, ' ');
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function table(entries: MemoryEntry[]): string {
  const rows = entries.map((e) => [`${e.namespace} ${e.key}`, `v${e.version}${e.deleted ? ' (forgotten)' : ''}`, e.type, when(e.updatedAt), preview(e)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ')).join('\n');
}

/** A value as the user typed it: JSON when it parses, the text itself otherwise. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function runMemory(args: string[], lore: () => Promise<Lore>, io: MemoryIo, flags: MemoryFlags): Promise<number> {
  const [sub, ...rest] = args;
  const need = (n: number, usage: string) => {
    if (rest.length !== n) throw new LoreError('BAD_INPUT', `Usage: lore memory ${usage}`);
  };
  const show = (value: unknown, text: string) => io.out(flags.json ? JSON.stringify(value, null, 2) : text);
  switch (sub) {
    case undefined:
    case 'help':
      io.out(MEMORY_HELP);
      return sub ? 0 : 2;
    case 'remember': {
      if (rest.length < 3) throw new LoreError('BAD_INPUT', 'Usage: lore memory remember <namespace> <key> <value> (the value: JSON, or plain text)');
      const [ns, key, ...value] = rest;
      const type = flags.type === undefined ? undefined : checkType(flags.type);
      const ttlMs = flags.ttl === undefined ? undefined : parseTtl(flags.ttl);
      const e = await (await lore()).memory.remember(ns, key, parseValue(value.join(' ')), { ...ACTOR, type, ttlMs });
      show(e, `Remembered ${e.namespace} ${e.key} (version ${e.version}, ${e.type}${e.expiresAt ? `, until ${when(e.expiresAt)}` : ''}).`);
      return 0;
    }
    case 'recall': {
      need(2, 'recall <namespace> <key>');
      const l = await lore();
      const e = await l.memory.recall(rest[0], rest[1]);
      if (!e) {
        const last = (await l.memory.history(rest[0], rest[1]))[0];
        const why = notRecalled(rest[0], rest[1], last);
        io.err(last ? `${why}; \`lore memory restore ${last.namespace} ${last.key} ${last.version}\` brings it back.` : `${why}.`);
        return 1;
      }
      show(e, typeof e.value === 'string' ? e.value : JSON.stringify(e.value, null, 2));
      return 0;
    }
    case 'list': {
      if (rest.length > 1) throw new LoreError('BAD_INPUT', 'Usage: lore memory list [prefix]');
      const entries = await (await lore()).memory.list(rest[0], { type: flags.type === undefined ? undefined : checkType(flags.type) });
      show(entries, entries.length ? table(entries) : `No memories${rest[0] ? ` in ${rest[0]}` : ''}.`);
      return 0;
    }
    case 'history': {
      need(2, 'history <namespace> <key>');
      const versions = await (await lore()).memory.history(rest[0], rest[1]);
      show(versions, versions.length ? table(versions) : `Nothing is remembered as ${rest[0]} ${rest[1]}.`);
      return versions.length ? 0 : 1;
    }
    case 'forget': {
      need(2, 'forget <namespace> <key> [--purge]');
      const l = await lore();
      if (flags.purge) {
        const versions = (await l.memory.history(rest[0], rest[1])).length;
        if (!flags.yes) {
          const answer = io.ask ? await io.ask(`Delete all ${versions} version(s) of ${rest[0]} ${rest[1]} for good? [y/N] `) : '';
          if (!/^y(es)?$/i.test(answer.trim())) {
            io.err(io.ask ? 'Nothing deleted.' : `--purge deletes every version for good: pass --yes to confirm (nothing deleted).`);
            return 2;
          }
        }
        const n = await l.memory.purge(rest[0], rest[1], ACTOR);
        show({ purged: n }, n ? `Deleted ${n} version(s) of ${rest[0]} ${rest[1]} for good.` : `Nothing is remembered as ${rest[0]} ${rest[1]}.`);
        return n ? 0 : 1;
      }
      const done = await l.memory.forget(rest[0], rest[1], ACTOR);
      show({ forgotten: done }, done ? `Forgot ${rest[0]} ${rest[1]} (history keeps it: \`lore memory history ${rest[0]} ${rest[1]}\`).` : `Nothing live is remembered as ${rest[0]} ${rest[1]}.`);
      return done ? 0 : 1;
    }
    case 'restore': {
      need(3, 'restore <namespace> <key> <version>');
      const version = Number(rest[2]);
      if (!Number.isInteger(version) || version < 1) throw new LoreError('BAD_INPUT', `A version is a whole number from 1, not "${rest[2]}".`);
      const e = await (await lore()).memory.restore(rest[0], rest[1], version, ACTOR);
      show(e, `Restored ${e.namespace} ${e.key} to version ${version}'s value, as version ${e.version}.`);
      return 0;
    }
    case 'search': {
      if (!rest.length) throw new LoreError('BAD_INPUT', 'Usage: lore memory search <query...>');
      const hits = await (await lore()).memory.search(rest.join(' '), { limit: 20 });
      show(hits, hits.length ? table(hits.map((h) => h.entry)) : 'No memory matches.');
      return hits.length ? 0 : 1;
    }
    case 'export': {
      if (rest.length) throw new LoreError('BAD_INPUT', 'Usage: lore memory export [--to FILE|DIR] [--format json|markdown]');
      const format = flags.format ?? 'json';
      if (format !== 'json' && format !== 'markdown') throw new LoreError('BAD_INPUT', `--format takes json or markdown, not "${format}".`);
      if (!flags.to && format === 'markdown') throw new LoreError('BAD_INPUT', '--format markdown writes one file per namespace: say where with --to DIR.');
      if (!flags.to) {
        io.out(JSON.stringify(await exportJson((await lore()).memory), null, 2));
        return 0;
      }
      if (format === 'markdown' && fs.existsSync(flags.to) && !fs.statSync(flags.to).isDirectory()) throw new LoreError('BAD_INPUT', `--format markdown writes one file per namespace: ${flags.to} is a file, not a folder.`);
      const r = await writeExport((await lore()).memory, flags.to, format);
      if (format === 'json') io.err(`Exported ${r.entries} memories to ${flags.to}.`);
      else show({ dir: flags.to, files: r.files.map((f) => path.basename(f)), entries: r.entries }, `Exported ${r.entries} memories to ${r.files.length} file(s) in ${flags.to}.`);
      return 0;
    }
    case 'import': {
      need(1, 'import <FILE|DIR>');
      const items = readImportPath(path.resolve(rest[0]));
      const r = await importItems((await lore()).memory, items, ACTOR);
      show(r, `Imported ${r.written} memories (${r.unchanged} already as they were).`);
      return 0;
    }
    default:
      throw new LoreError('BAD_INPUT', `Unknown memory command "${sub}". Run \`lore memory help\`.`);
  }
}
