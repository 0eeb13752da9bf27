import type { Database } from 'better-sqlite3';
import { errorMessage } from '../../errors';
import type { EmbedDocs } from './embedQueue';
import { type CacheJob, commitVectors, NO_VECTORS, type VectorJob } from './vecCommit';
import type { VectorStore } from './vectors';
import { type OffThreadWriter, WriterFailed } from './writer';

/**
 * The embedding queue's writes: on the writer process when there is one (a 100,000-vector session
 * commits ~700 MB through the WAL, and its checkpoints and vec0 blocks held this thread for 100-300
 * ms at a time), the in-memory prefilter told what was written; should the thread fail, or not load
 * sqlite-vec, this thread writes from then on.
 */
export class VectorWrites {
  constructor(
    private readonly db: Database,
    private readonly store: VectorStore,
    private readonly docs: EmbedDocs,
    private writer?: OffThreadWriter,
    private readonly warn?: (message: string) => void,
  ) {}

  async commit(job: VectorJob): Promise<void> {
    if (this.writer?.wants(job.rows.length + job.docs.length)) {
      try {
        const done = await this.writer.commitVectors(job);
        if (done) this.store.noteWritten(done);
        return;
      } catch (err) {
        if (!this.offThreadFailed(err)) throw err;
      }
    }
    const done = commitVectors(this.db, this.store, this.docs, job);
    if (done) this.store.noteWritten(done);
    this.store.compactIfDue();
  }

  async cache(job: CacheJob): Promise<void> {
    if (this.writer?.wants(job.entries.length)) {
      try {
        return await this.writer.cache(job);
      } catch (err) {
        if (!this.offThreadFailed(err)) throw err;
      }
    }
    this.store.cachePut(job.model, job.entries);
  }

  /** Resolves once the vectors sent to the writer process are committed and noted (a search then sees them in the prefilter). */
  async settled(): Promise<void> {
    await this.writer?.settled();
  }

  /** Whether the error was the thread's, not the write's: nothing was committed, and this thread writes instead from now on. */
  private offThreadFailed(err: unknown): boolean {
    if (!(err instanceof WriterFailed) && (err as { code?: unknown })?.code !== NO_VECTORS) return false;
    this.writer = undefined;
    this.warn?.(`${errorMessage(err)}; vectors are written on the main thread from now on`);
    return true;
  }
}
