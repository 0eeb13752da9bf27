/**
 * The index's large writes on a worker thread (writeWorker.ts): a run's documents, the embedding
 * queue's vectors and cache. Their transactions (tens of milliseconds each, more when the
 * full-text index merges or the WAL is checkpointed) stop blocking the thread that also runs the
 * editor's extensions, and the memory SQLite takes for them goes with the thread. The worker starts with the
 * first large batch and stops when writes have been idle for a while, so it costs no memory
 * between runs; small writes (a saved file) stay on the calling thread, where they take a
 * millisecond and no worker has to start.
 */
import { IdleWorker } from '../../idleWorker';
import { processEntry } from '../../workerEntry';
import type { IndexWrite } from '../documents';
import type { VectorsWritten } from './vecTypes';
import type { CacheJob, VectorJob } from './vecCommit';
import { receivedError, type SentError } from '../../workerPort';
import type { WriteBody } from './writeWorker';

/** Fewer rows than this (a document counts its chunks), with no worker running, are written on the calling thread. */
export const OFF_THREAD_FROM = 16;

/** The worker itself failed (it could not start, or it died): nothing of the request was committed, and the caller may write it itself. */
export class WriterFailed extends Error {}

export class OffThreadWriter {
  private readonly thread: IdleWorker;

  /** `vectors`: the thread loads sqlite-vec to write vectors (the caller's connection has it, loaded the default way). */
  constructor(file: string, idleMs = 3_000, vectors = false) {
    this.thread = new IdleWorker({
      name: 'index writer',
      entry: processEntry(__dirname, 'writeWorker'),
      workerData: { file, vectors },
      idleMs,
      failed: (cause) => new WriterFailed(`the index writer process failed: ${cause.message}`, { cause }),
      // SQLite's code comes along, so that the caller still tells a full disk from damage.
      received: (sent) => receivedError(sent as SentError),
    });
  }

  /** Whether `n` rows should go to the worker: a large batch, or a worker already running (whose order it keeps). */
  wants(n: number): boolean {
    return n >= OFF_THREAD_FROM || this.thread.running;
  }

  async apply(writes: IndexWrite[], now: number): Promise<void> {
    await this.send({ writes, now });
  }

  /** A step's vectors and its documents' statuses, in one commit (see vecCommit.ts). */
  async commitVectors(job: VectorJob): Promise<VectorsWritten | undefined> {
    return (await this.send({ vectors: job })) as VectorsWritten | undefined;
  }

  async cache(job: CacheJob): Promise<void> {
    await this.send({ cache: job });
  }

  private send(body: WriteBody): Promise<unknown> {
    return this.thread.request(body);
  }

  /** Resolves once the writes sent so far are answered (committed or failed), and their callers have heard. */
  settled(): Promise<void> {
    return this.thread.settled();
  }

  /** Waits for the writes under way, then closes the worker's connection and ends it. */
  close(): Promise<void> {
    return this.thread.close();
  }
}
