/**
 * The index's large writes on a worker thread (writeWorker.ts): a run's documents, the embedding
 * queue's vectors and cache. Their transactions (tens of milliseconds each, more when the
 * full-text index merges or the WAL is checkpointed) stop blocking the thread that also runs the
 * editor's extensions, and the memory SQLite takes for them goes with the thread. The worker starts with the
 * first large batch and stops when writes have been idle for a while, so it costs no memory
 * between runs; small writes (a saved file) stay on the calling thread, where they take a
 * millisecond and no worker has to start.
 */
import { Worker } from 'node:worker_threads';
import { WORKER_YOUNG_MB, workerEntry } from '../../workerEntry';
import type { IndexWrite } from '../documents';
import type { VectorsWritten } from './vectors';
import type { CacheJob, VectorJob } from './vecCommit';
import type { WriteBody, WriteReply, WriteRequest } from './writeWorker';

/** Fewer rows than this (a document counts its chunks), with no worker running, are written on the calling thread. */
export const OFF_THREAD_FROM = 16;

type Pending = { resolve: (result: unknown) => void; reject: (err: Error) => void };

/** The worker itself failed (it could not start, or it died): nothing of the request was committed, and the caller may write it itself. */
export class WriterFailed extends Error {}

export class OffThreadWriter {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  /** `vectors`: the thread loads sqlite-vec to write vectors (the caller's connection has it, loaded the default way). */
  constructor(
    private readonly file: string,
    private readonly idleMs = 3_000,
    private readonly vectors = false,
  ) {}

  /** Whether `n` rows should go to the worker: a large batch, or a worker already running (whose order it keeps). */
  wants(n: number): boolean {
    return n >= OFF_THREAD_FROM || !!this.worker;
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

  private async send(body: WriteBody): Promise<unknown> {
    await this.stopping;
    const worker = this.start();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    worker.ref(); // a write under way keeps the process alive until it is committed
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...body } satisfies WriteRequest);
    });
  }

  /** Resolves once the writes sent so far are answered (committed or failed), and their callers have heard. */
  async settled(): Promise<void> {
    const waits = [...this.pending.values()].map((p) => new Promise<void>((done) => {
      const { resolve, reject } = p;
      p.resolve = (result) => (resolve(result), done());
      p.reject = (err) => (reject(err), done());
    }));
    await Promise.all(waits);
  }

  /** Waits for the writes under way, then closes the worker's connection and ends it. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (!worker) return this.stopping;
    this.worker = undefined;
    this.stopping = (async () => {
      await this.settled();
      worker.ref(); // until it has closed its connection
      const exited = new Promise<void>((done) => worker.once('exit', () => done()));
      worker.postMessage({ close: true } satisfies WriteRequest);
      await exited;
    })();
    await this.stopping;
    this.stopping = undefined;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const entry = workerEntry(__dirname, 'writeWorker');
    const worker = new Worker(entry.file, { eval: entry.eval, workerData: { file: this.file, vectors: this.vectors }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    worker.on('message', (reply: WriteReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error) p?.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
      else p?.resolve(reply.result);
      if (!this.pending.size && this.worker === worker) {
        worker.unref(); // an idle writer never keeps a CLI process alive
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => void this.close(), this.idleMs).unref();
      }
    });
    const fail = (cause: Error) => {
      const err = new WriterFailed(`the index writer thread failed: ${cause.message}`, { cause });
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => fail(new Error(`it stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }
}
