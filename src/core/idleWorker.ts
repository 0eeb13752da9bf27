/**
 * A worker thread that starts with its first request and ends once requests have been idle for a
 * while, so it costs no memory between bursts of work (the index's writer, the embedding thread).
 * Requests are answered by id, in the worker's own time; while one is under way the thread keeps
 * the process alive, and an idle one never does (a CLI exits when its work is done).
 */
import { Worker } from 'node:worker_threads';
import { WORKER_YOUNG_MB } from './workerEntry';

/** What every worker thread of this kind answers: the request's id, and its result or error. */
export interface WorkerReply {
  id: number;
  result?: unknown;
  error?: unknown;
}

export interface IdleWorkerOptions {
  entry: { file: string; eval: boolean };
  workerData: unknown;
  idleMs: number;
  /** The error a request gets when the thread fails (it could not start, or it died). */
  failed: (cause: Error) => Error;
  /** The error a request gets from the error the thread sent. */
  received: (sent: unknown) => Error;
}

type Pending = { resolve: (result: unknown) => void; reject: (err: Error) => void };

export class IdleWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: IdleWorkerOptions) {}

  /** Whether the thread is running now. */
  get running(): boolean {
    return !!this.worker;
  }

  /** Sends `{ id, ...body }`; `signal` sends `{ abort: id }` after it, for the thread to stop that request. */
  async request(body: object, signal?: AbortSignal): Promise<unknown> {
    await this.stopping;
    const worker = this.start();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    worker.ref(); // a request under way keeps the process alive until it is answered
    const onAbort = () => worker.postMessage({ abort: id });
    try {
      return await new Promise<unknown>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ id, ...body });
        // (Cancelled while a closing thread was waited for: the cancel follows the request.)
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Resolves once the requests sent so far are answered (or failed), and their callers have heard. */
  async settled(): Promise<void> {
    const waits = [...this.pending.values()].map((p) => new Promise<void>((done) => {
      const { resolve, reject } = p;
      p.resolve = (result) => (resolve(result), done());
      p.reject = (err) => (reject(err), done());
    }));
    await Promise.all(waits);
  }

  /** Waits for the requests under way, then sends `{ close: true }` and waits for the thread to end. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (!worker) return this.stopping;
    this.worker = undefined;
    this.stopping = (async () => {
      await this.settled();
      worker.ref(); // until it has closed what it holds
      const exited = new Promise<void>((done) => worker.once('exit', () => done()));
      worker.postMessage({ close: true });
      await exited;
    })();
    await this.stopping;
    this.stopping = undefined;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { entry, workerData } = this.opts;
    const worker = new Worker(entry.file, { eval: entry.eval, workerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) p?.reject(this.opts.received(reply.error));
      else p?.resolve(reply.result);
      if (!this.pending.size && this.worker === worker) {
        worker.unref();
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => void this.close(), this.opts.idleMs).unref();
      }
    });
    const fail = (cause: Error) => {
      const err = this.opts.failed(cause);
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
