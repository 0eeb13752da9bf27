import type { Database } from 'better-sqlite3';
import type { ChunkVector } from '../vectors';
import type { EmbedDocs } from './embedQueue';
import type { VectorStore } from './vectors';
import type { VectorsWritten } from './vecTypes';

/** The code of the error a vector write gets when the writer process could not load sqlite-vec: the caller writes vectors itself. */
export const NO_VECTORS = 'LORE_WRITER_NO_VECTORS';

/** A step of the embedding queue: its vectors and its documents' statuses, committed together. */
export interface VectorJob {
  model: string;
  rows: ChunkVector[];
  docs: { id: number; hash: string }[];
}

export interface CacheJob {
  model: string;
  entries: { contentHash: string; vector: Float32Array }[];
}

/**
 * One commit: a document rewritten meanwhile is never marked with vectors of its old text (the
 * rows and statuses check its content hash). Takes the write lock first: the other thread's
 * writer may be committing meanwhile. Runs on whichever connection writes (this thread's or the
 * writer process's).
 */
export function commitVectors(db: Database, store: VectorStore, docs: EmbedDocs, job: VectorJob): VectorsWritten | undefined {
  let done: VectorsWritten | undefined;
  db.transaction(() => {
    if (job.rows.length) {
      store.ensureSpace(job.model, job.rows[0].vector.length);
      done = store.write(job.model, job.rows);
    }
    docs.markSynced(job.model, job.docs);
  }).immediate();
  return done;
}
