/**
 * An embedder whose document requests run in a worker process (embedWorker.ts): a session of
 * 100,000 chunks reads ~1.5 GB of the server's JSON, and parsed on the thread the editor shares
 * it grew that thread's heap (and the memory the host keeps after) by tens of megabytes, besides
 * the time. The worker starts with the first request and ends when requests have been idle for a
 * while. Queries (one short text, answered while the user waits) and the checks of a server stay on
 * the calling thread; should the worker fail, the calling thread embeds from then on. The built-in
 * model runs only in workers: documents in one, queries and checks in another.
 */
import { IdleWorker } from '../idleWorker';
import { LoreError } from '../errors';
import { processEntry } from '../workerEntry';
import { receivedError } from '../workerPort';
import { createEmbedder } from './create';
import type { EmbedResult, SentError } from './embedWorker';
import { type EmbedOptions, type Embedder, EmbedderError, type PreflightReport, type ResolvedEmbedderSettings } from './types';

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
  /** The built-in model answers queries and checks in a process of its own (never on the caller's thread). */
  private readonly queryWorker: IdleWorker | undefined;
  private failed = false;
  /** Inputs cut to the model's length, counted by the worker (built-in model). */
  truncated = 0;

  constructor(
    settings: ResolvedEmbedderSettings,
    idleMs = 5_000,
    private readonly warn?: (message: string) => void,
  ) {
    this.local = createEmbedder(settings);
    const builtin = settings.provider === 'builtin';
    const worker = (name: string, ms: number) => new IdleWorker({
      name,
      entry: processEntry(__dirname, 'embedWorker'),
      workerData: { settings },
      idleMs: ms,
      failed: (cause) => new WorkerFailed(`the embedding process failed: ${cause.message}`),
      received,
    });
    // The built-in model loads in ~0.1-0.5 s: its processes stay a minute after the last request.
    this.worker = worker('embedder', builtin ? Math.max(idleMs, 60_000) : idleMs);
    this.queryWorker = builtin ? worker('embedder (queries)', Math.max(idleMs, 60_000)) : undefined;
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

  async preflight(opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<PreflightReport> {
    if (!this.queryWorker) return this.local.preflight(opts);
    return (await this.remote(this.queryWorker, { preflight: true }, opts?.signal)) as PreflightReport;
  }

  listModels(opts?: { signal?: AbortSignal }): Promise<string[]> {
    return this.local.listModels(opts);
  }

  async embed(texts: string[], opts: EmbedOptions): Promise<Float32Array[]> {
    if (!texts.length) return [];
    if (opts.kind === 'query' && this.queryWorker) return this.vectors(await this.remote(this.queryWorker, { texts, kind: 'query' }, opts.signal));
    if (opts.kind === 'query' || this.failed) return this.local.embed(texts, opts);
    if (opts.signal?.aborted) return this.local.embed(texts, opts); // says "aborted" the way the embedder does
    try {
      return this.vectors(await this.remote(this.worker, { texts, kind: 'document' }, opts.signal));
    } catch (err) {
      if (!(err instanceof WorkerFailed)) throw err;
      this.failed = true;
      this.warn?.(`${err.message}; embedding on the main thread from now on`);
      return this.local.embed(texts, opts);
    }
  }

  private vectors(result: unknown): Float32Array[] {
    const r = result as EmbedResult;
    this.truncated += r.truncated;
    return r.vectors;
  }

  /** A request to a worker; the built-in model never falls back to the caller's thread (a failed process is the embedder's failure). */
  private async remote(worker: IdleWorker, body: object, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw new EmbedderError('aborted', 'Cancelled.');
    try {
      return await worker.request(body, signal);
    } catch (err) {
      if (err instanceof WorkerFailed && this.local.provider === 'builtin') {
        throw new EmbedderError('bad-response', `the built-in model's process failed: ${err.message.replace(/^the embedding process failed: /, '')}`, { transient: true });
      }
      throw err;
    }
  }

  /** Ends the workers once the requests under way are answered (their callers cancel them first to end sooner). */
  async close(): Promise<void> {
    await Promise.all([this.worker.close(), this.queryWorker?.close()]);
  }
}
