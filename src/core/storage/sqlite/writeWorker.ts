/**
 * Worker thread entry: the index's large writes (a run's documents, the embedding queue's vectors
 * and cache) on a connection of its own, so that the seconds they spend in SQLite (the full-text
 * index's inserts and merges, vec0's blocks, WAL checkpoints) never block the thread the editor
 * runs on. Messages are written in the order they
 * arrive, each as one transaction; the reply carries an error's SQLite code so that the caller
 * still tells a full disk from damage.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { WorkerReply } from '../../idleWorker';
import type { IndexWrite } from '../documents';
import { EmbedDocs } from './embedQueue';
import { IndexStore } from './indexWrites';
import { loadSqliteVec } from './open';
import { setConnectionPragmas } from './pragmas';
import { type CacheJob, commitVectors, NO_VECTORS, type VectorJob } from './vecCommit';
import { VectorStore } from './vectors';

export type WriteBody = { writes: IndexWrite[]; now: number } | { vectors: VectorJob } | { cache: CacheJob };
export type WriteRequest = ({ id: number } & WriteBody) | { close: true };
export type SentError = { message: string; code?: string };

const Driver = require('better-sqlite3') as new (file: string, opts: object) => Database;
const { file, vectors: withVectors } = workerData as { file: string; vectors: boolean };
const db = new Driver(file, { fileMustExist: true });
setConnectionPragmas(db, false); // the schema is the opener's, already migrated
const store = new IndexStore(db);
let vec: { store: VectorStore; docs: EmbedDocs } | undefined;

/** sqlite-vec, loaded at the first vector write (a run without an embedder never needs it). */
function vectorStores(): { store: VectorStore; docs: EmbedDocs } {
  if (vec) return vec;
  try {
    if (!withVectors) throw new Error('not asked to');
    loadSqliteVec(db);
  } catch (err) {
    throw Object.assign(new Error(`the writer thread could not load sqlite-vec: ${(err as Error).message}`), { code: NO_VECTORS });
  }
  return (vec = { store: new VectorStore(db), docs: new EmbedDocs(db) });
}

function handle(m: { id: number } & WriteBody): unknown {
  if ('writes' in m) return store.applyAll(m.writes, m.now);
  const v = vectorStores();
  if ('cache' in m) return v.store.cachePut(m.cache.model, m.cache.entries);
  const done = commitVectors(db, v.store, v.docs, m.vectors);
  v.store.compactIfDue();
  return done;
}

parentPort!.on('message', (m: WriteRequest) => {
  if ('close' in m) {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ id: m.id, result: handle(m) } satisfies WorkerReply);
  } catch (err) {
    const e = err as { message?: string; code?: unknown };
    parentPort!.postMessage({ id: m.id, error: { message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined } satisfies SentError } satisfies WorkerReply);
  }
});
