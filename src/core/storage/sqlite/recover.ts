/**
 * A damaged index file is not a dead end: the index is rebuildable from the markdown, so a file
 * SQLite reports as corrupt or as not a database is moved aside (the last two kept, for a look
 * later) and a fresh one takes its place. User data lives in its own file and is never touched here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { workerEntry } from '../../workerEntry';
import type { CheckReply } from './checkWorker';

/** Damaged copies kept beside the index, newest first; older ones are deleted. */
export const KEEP_DAMAGED = 2;

export type { Recovery } from '../storage';

const DAMAGE_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_SEQUENCE']);

/** A moment as it goes into a file name: 2026-12-01T17-00-29-986Z. */
export function fileStamp(now = Date.now()): string {
  return new Date(now).toISOString().replace(/[:.]/g, '-');
}

/** The error code of `err` and of each error it was caused by (SQLite's, Node's). */
export function codesOf(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, n = 0; e && n < 5; e = e.cause as typeof e, n++) {
    if (typeof e.code === 'string') out.push(e.code);
  }
  return out;
}

/** Whether `err` says the file itself is damaged (not busy, not read-only, not missing). */
export function isDamage(err: unknown): boolean {
  return codesOf(err).some((c) => DAMAGE_CODES.has(c));
}

/** SQLite's own quick consistency check of every page and index: [] when the file is sound. */
export function quickCheck(db: Database): string[] {
  const rows = db.pragma('quick_check(20)') as { quick_check: string }[];
  return rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
}

/** quickCheck of the file on a connection of its own in a worker thread: this thread stays free meanwhile. */
export function quickCheckOffThread(file: string): Promise<string[]> {
  const entry = workerEntry(__dirname, 'checkWorker');
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry.file, { eval: entry.eval, workerData: { file } });
    worker.once('message', (reply: CheckReply) => {
      if ('error' in reply) reject(new Error(`the index could not be checked: ${reply.error}`));
      else resolve(reply.problems);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the index check stopped (exit ${code})`)));
  });
}

/** An error that says the file is damaged, as SQLite would (so that isDamage recognises it). */
export function damaged(reason: string): Error {
  return Object.assign(new Error(reason), { code: 'SQLITE_CORRUPT' });
}

/** The damage in plain words: SQLite's message, without the wrapping of the open error. */
export function damageReason(err: unknown): string {
  let e = err as { message?: string; cause?: unknown };
  while (e?.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e?.message ?? String(err);
}

/** Moves the index file (and its -wal, -shm) aside as `<file>.corrupt-<time>`; keeps the newest KEEP_DAMAGED. */
export function moveAside(file: string, now = Date.now()): string {
  const aside = `${file}.corrupt-${fileStamp(now)}`;
  fs.renameSync(file, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
  }
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.corrupt-`;
  const copies = fs.readdirSync(dir).filter((n) => n.startsWith(prefix) && !n.endsWith('-wal') && !n.endsWith('-shm')).sort().reverse();
  for (const old of copies.slice(KEEP_DAMAGED)) {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(dir, old + suffix), { force: true });
  }
  return aside;
}
