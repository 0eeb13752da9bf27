/**
 * An embedder whose document requests run on a worker thread (embedWorker.ts): a session of
 * 100,000 chunks reads ~1.5 GB of the server's JSON, and parsed on the thread the editor shares
 * it grew that thread's heap (and the memory the host keeps after) by tens of megabytes, besides
 * the time. The thread starts with the first request and ends when requests have been idle for a
 * while. Queries (one short text, answered while the user waits) and the checks stay on the
 * calling thread. Should the thread fail, the calling thread embeds from then on.
 */
import { Worker } from 'node:worker_threads';
import { LoreError } from '../errors';
import { WORKER_YOUNG_MB, workerEntry } from '../workerEntry';
import { createEmbedder } from './create';
import type { EmbedReply, EmbedRequest, SentError } from './embedWorker';
import { type EmbedOptions, type Embedder, EmbedderError, type EmbedderSettings, type PreflightReport } from './types';

type Pending = { resolve: (v: Float32Array[]) => void; reject: (err: Error) => void };

/** The error as the thread sent it, of the class the caller tells failures apart by. */
function received(e: SentError): Error {
  if (e.name === 'EmbedderError' && e.kind) return new EmbedderError(e.kind, e.message, e.opts ?? {});
  if (e.name === 'LoreError' && e.code) return new LoreError(e.code as LoreError['code'], e.message);
  return Object.assign(new Error(e.message), { name: e.name });
}

export class ThreadEmbedder implements Embedder {
  private readonly local: Embedder;
  private worker: Worker | undefined;
  private failed = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: EmbedderSettings,
    private readonly idleMs = 5_000,
    private readonly warn?: (message: string) => void,
  ) {
    this.local = createEmbedder(settings);
  }

  get provider() { return this.local.provider; }
  get host() { return this.local.host; }
  get model() { return this.local.model; }
  get id() { return this.local.id; }
  get dimensions() { return this.local.dimensions; }

  /** Whether the thread is running now (it starts with a document request and ends when idle). */
  get onThread(): boolean {
    return !!this.worker;
  }

  preflight(opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<PreflightReport> {
    return this.local.preflight(opts);
  }

  listModels(opts?: { signal?: AbortSignal }): Promise<string[]> {
    return this.local.listModels(opts);
  }

  async embed(texts: string[], opts: EmbedOptions): Promise<Float32Array[]> {
    if (opts.kind === 'query' || this.failed || !texts.length) return this.local.embed(texts, opts);
    if (opts.signal?.aborted) return this.local.embed(texts, opts); // says "aborted" the way the embedder does
    const worker = this.start();
    clearTimeout(this.idleTimer);
    worker.ref();
    const id = this.nextId++;
    const onAbort = () => worker.postMessage({ abort: id } satisfies EmbedRequest);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<Float32Array[]>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ id, texts } satisfies EmbedRequest);
      });
    } catch (err) {
      if (!(err instanceof ThreadFailed)) throw err;
      this.failed = true;
      this.warn?.(`${err.message}; embedding on the main thread from now on`);
      return this.local.embed(texts, opts);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Ends the thread (requests under way are aborted). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((done) => worker.once('exit', () => done()));
    worker.postMessage({ close: true } satisfies EmbedRequest);
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const entry = workerEntry(__dirname, 'embedWorker');
    const worker = new Worker(entry.file, { eval: entry.eval, workerData: { settings: this.settings }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    worker.on('message', (reply: EmbedReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error) p?.reject(received(reply.error));
      else p?.resolve(reply.vectors ?? []);
      if (!this.pending.size && this.worker === worker) {
        worker.unref(); // an idle thread never keeps a CLI process alive
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => void this.close(), this.idleMs).unref();
      }
    });
    const fail = (cause: Error) => {
      if (this.worker === worker) this.worker = undefined;
      const err = new ThreadFailed(`the embedding thread failed: ${cause.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => fail(new Error(`it stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }
}

class ThreadFailed extends Error {}
