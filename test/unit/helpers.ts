import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { openDatabase } from '../../src/core/storage/sqlite/open';
import { createLore, type Lore, type LoreInit } from '../../src/core/service';

export interface TempWorkspace {
  root: string;
  dbPath: string;
  write(rel: string, content: string | Buffer): string;
  remove(rel: string): void;
  move(from: string, to: string): void;
  open(extra?: Partial<LoreInit>): Promise<Lore>;
  cleanup(): void;
}

/** A throwaway folder with the given files and an index path beside it (not inside it). */
export function tempWorkspace(files: Record<string, string | Buffer> = {}): TempWorkspace {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-test-'));
  const root = path.join(base, 'ws');
  fs.mkdirSync(root);
  const dbPath = path.join(base, 'index.db');
  const opened: Lore[] = [];
  const ws: TempWorkspace = {
    root,
    dbPath,
    write(rel, content) {
      const abs = path.join(root, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
      return abs;
    },
    remove(rel) {
      fs.rmSync(path.join(root, rel), { recursive: true, force: true });
    },
    move(from, to) {
      fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
      fs.renameSync(path.join(root, from), path.join(root, to));
    },
    async open(extra = {}) {
      const lore = await createLore({ root, dbPath, ...extra });
      opened.push(lore);
      return lore;
    },
    cleanup() {
      for (const l of opened) void l.close();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
  for (const [rel, content] of Object.entries(files)) ws.write(rel, content);
  return ws;
}

/** Polls until `check` returns a truthy value or the time runs out (then throws with `what`). */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Moves a file's mtime (so a test can change bytes without relying on the clock's resolution). */
export function bumpMtime(abs: string, seconds = 5): void {
  const st = fs.statSync(abs);
  const t = new Date(st.mtimeMs + seconds * 1000);
  fs.utimesSync(abs, t, t);
}

/** Indexes the workspace's folder (keyword only) and opens the index for direct reads; the caller closes it. */
export async function indexedDatabase(ws: TempWorkspace): Promise<Database> {
  const lore = await ws.open({ embedder: null });
  await lore.index();
  await lore.close();
  return openDatabase(ws.dbPath).db;
}
