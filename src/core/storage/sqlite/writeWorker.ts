/**
 * Worker thread entry: the index's document writes on a connection of its own, so that the
 * seconds a large run spends in SQLite (the full-text index's inserts and merges, WAL
 * checkpoints) never block the thread the editor runs on. Messages are written in the order they
 * arrive, each as one transaction; the reply carries an error's SQLite code so that the caller
 * still tells a full disk from damage.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { IndexWrite } from '../documents';
import { IndexStore } from './indexWrites';
import { setConnectionPragmas } from './pragmas';

export type WriteRequest = { id: number; writes: IndexWrite[]; now: number } | { close: true };
export type WriteReply = { id: number; error?: { message: string; code?: string } };

const Driver = require('better-sqlite3') as new (file: string, opts: object) => Database;
const db = new Driver((workerData as { file: string }).file, { fileMustExist: true });
setConnectionPragmas(db, false); // the schema is the opener's, already migrated
const store = new IndexStore(db);

parentPort!.on('message', (m: WriteRequest) => {
  if ('close' in m) {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    store.applyAll(m.writes, m.now);
    parentPort!.postMessage({ id: m.id } satisfies WriteReply);
  } catch (err) {
    const e = err as { message?: string; code?: unknown };
    parentPort!.postMessage({ id: m.id, error: { message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined } } satisfies WriteReply);
  }
});
