/**
 * An embedder whose document requests run in a worker process (embedWorker.ts): a session of
 * 100,000 chunks reads ~1.5 GB of the server's JSON, and parsed on the thread the editor shares
 * it grew that thread's heap (and the memory the host keeps after) by tens of megabytes, besides
 * the time. The worker starts with the first request and ends when requests have been idle for a
 * while. Queries (one short text, answered while the user waits) and the checks stay on the
 * calling thread. Should the worker fail, the calling thread embeds from then on.
 */
import { IdleWorker } from '../idleWorker';
import { LoreError } from '../errors';
import { processEntry } from '../workerEntry';
import { receivedError } from '../workerPort';
import { createEmbedder } from './create';
import type { SentError } from './embedWorker';
import { type EmbedOptions, type Embedder, EmbedderError, type EmbedderSettings, type PreflightReport } from './types';

/** The error as the worker sent it, of the class the caller tells failures apart by. */
function received(sent: unknown): Error {
  const e = sent as SentError;
  if (e.name === 'EmbedderError' && e.kind) return new EmbedderError(e.kind, e.message, e.opts ?? {});
  if (e.name === 'LoreError' && e.code) return new LoreError(e.code as LoreError['code'], e.message);
  return receivedError(e);
}

class WorkerFailed extends Error {}

export class ProcessEmbedder implements Embedder {
  private readonly local: Embedder;
  private readonly worker: IdleWorker;
  private failed = false;

  constructor(
    settings: EmbedderSettings,
    idleMs = 5_000,
    private readonly warn?: (message: string) => void,
  ) {
    this.local = createEmbedder(settings);
    this.worker = new IdleWorker({
      name: 'embedder',
      entry: processEntry(__dirname, 'embedWorker'),
      workerData: { settings },
      idleMs,
      failed: (cause) => new WorkerFailed(`the embedding process failed: ${cause.message}`),
      received,
    });
  }

  get provider() { return this.local.provider; }
  get host() { return this.local.host; }
  get model() { return this.local.model; }
  get id() { return this.local.id; }
  get dimensions() { return this.local.dimensions; }

  /** Whether the worker process is running now (it starts with a document request and ends when idle). */
  get inWorker(): boolean {
    return this.worker.running;
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
    try {
      return (await this.worker.request({ texts }, opts.signal)) as Float32Array[];
    } catch (err) {
      if (!(err instanceof WorkerFailed)) throw err;
      this.failed = true;
      this.warn?.(`${err.message}; embedding on the main thread from now on`);
      return this.local.embed(texts, opts);
    }
  }

  /** Ends the worker once the requests under way are answered (their callers cancel them first to end sooner). */
  close(): Promise<void> {
    return this.worker.close();
  }
}
