/**
 * Worker process entry: the index's large writes (a run's documents, the embedding queue's vectors
 * and cache) on a connection of its own, so that the seconds they spend in SQLite (the full-text
 * index's inserts and merges, vec0's blocks, WAL checkpoints) never block the thread the editor
 * runs on. Messages are written in the order they
 * arrive, each as one transaction; the reply carries an error's SQLite code so that the caller
 * still tells a full disk from damage.
 */
import type { Database } from 'better-sqlite3';
import type { WorkerReply } from '../../idleWorker';
import { sendableError, workerFailed, workerPort } from '../../workerPort';
import type { IndexWrite } from '../documents';
import { EmbedDocs } from './embedQueue';
import { IndexStore } from './indexWrites';
import { loadSqliteVec } from './open';
import { setConnectionPragmas } from './pragmas';
import { type CacheJob, commitVectors, NO_VECTORS, type VectorJob } from './vecCommit';
import { VectorStore } from './vectors';

export type WriteBody = { writes: IndexWrite[]; now: number } | { vectors: VectorJob } | { cache: CacheJob };
export type WriteRequest = ({ id: number } & WriteBody) | { close: true };

const Driver = require('better-sqlite3') as new (file: string, opts: object) => Database;

async function main(): Promise<void> {
  const port = await workerPort<{ file: string; vectors: boolean }, WriteRequest>();
  const { file, vectors: withVectors } = port.data;
  const db = new Driver(file, { fileMustExist: true });
  setConnectionPragmas(db, false); // the schema is the opener's, already migrated
  const store = new IndexStore(db);
  const vectorStores = lazyVectorStores(db, withVectors);
  port.onMessage((m) => {
    if ('close' in m) {
      db.close();
      port.close();
      return;
    }
    try {
      port.post({ id: m.id, result: handle(db, store, vectorStores, m) } satisfies WorkerReply);
    } catch (err) {
      port.post({ id: m.id, error: sendableError(err) } satisfies WorkerReply);
    }
  });
}

type VectorStores = () => { store: VectorStore; docs: EmbedDocs };

/** sqlite-vec, loaded at the first vector write (a run without an embedder never needs it). */
function lazyVectorStores(db: Database, withVectors: boolean): VectorStores {
  let vec: { store: VectorStore; docs: EmbedDocs } | undefined;
  return () => {
    if (vec) return vec;
    try {
      if (!withVectors) throw new Error('not asked to');
      loadSqliteVec(db);
    } catch (err) {
      throw Object.assign(new Error(`the writer process could not load sqlite-vec: ${(err as Error).message}`), { code: NO_VECTORS });
    }
    return (vec = { store: new VectorStore(db), docs: new EmbedDocs(db) });
  };
}

function handle(db: Database, store: IndexStore, vectorStores: VectorStores, m: { id: number } & WriteBody): unknown {
  if ('writes' in m) return store.applyAll(m.writes, m.now);
  const v = vectorStores();
  if ('cache' in m) return v.store.cachePut(m.cache.model, m.cache.entries);
  const done = commitVectors(db, v.store, v.docs, m.vectors);
  v.store.compactIfDue();
  return done;
}

void main().catch(workerFailed);
