import { LoreError } from '../errors';
import type { SemanticAvailability } from '../search/hybrid';
import type { EmbeddingQueue, TodoDoc, VectorIndex } from '../storage/vectors';
import { Backoff, type CacheStatus, describeFailure, type EmbedderStatus, QueryVectorCache, type QueueStatus } from './health';
import { embedStep } from './step';
import { ProcessEmbedder } from './processEmbedder';
import { resolveProvider } from './auto';
import { builtinDownloadInfo, downloadBuiltinModel } from './builtin/store';
import type { DownloadProgress } from './builtin/download';
import { QueryEmbedders } from './queryEmbedders';
import type { Embedder, EmbedderSettings, ResolvedEmbedderSettings } from './types';

export interface PipelineOptions {
  /** Embedding requests in flight at once (default 2). */
  concurrency?: number;
  /** Documents taken per step (default 16). */
  docsPerStep?: number;
  /** First wait before checking a degraded embedder again (default 5000 ms, doubling to 5 min). */
  recheckMs?: number;
  /** Query embedding timeout cap for search (default 10 s): a search never waits longer for vectors. */
  queryTimeoutMs?: number;
  /** Read-only: check the embedder and embed queries, never write vectors. */
  readonly?: boolean;
  /** Embed pending documents in the background (default true; the CLI's search/status say false). */
  background?: boolean;
}

/**
 * The background embedding queue: after text indexing, documents wait as 'pending' until their
 * chunks' vectors are stored (cache first, then the embedder, in batches, a bounded number of
 * requests at a time); an embedder that is down leaves them pending and is checked again with
 * back-off; a model switch fills the new space in the shadow and switches over when complete.
 */
/** Why no vectors can be kept, in the vector store's own words. */
const vectorsUnavailable = (v: { unavailableReason?: string }) => `vectors cannot be stored here: ${v.unavailableReason ?? 'the vector extension is not loaded'}`;

export class EmbeddingPipeline {
  private settings: ResolvedEmbedderSettings | null = null;
  private autoNote: string | undefined;
  private target: ProcessEmbedder | undefined;
  private readonly queryEmbedders: QueryEmbedders;
  private readonly queryVectors = new QueryVectorCache();
  /** Workers take their batches one at a time, so no two take the same document. */
  private taking: Promise<unknown> = Promise.resolve();
  private state: EmbedderStatus = { state: 'off' };
  private paused = false;
  private running: Promise<void> | undefined;
  private again = false;
  private controller: AbortController | undefined;
  private preflighting: Promise<void> | undefined;
  private configuring: Promise<void> | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly claimed = new Set<number>();
  private hits = 0;
  private misses = 0;
  private closed = false;
  private generation = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly docs: EmbeddingQueue,
    private readonly vectors: VectorIndex,
    private readonly emit: () => void,
    private readonly opts: PipelineOptions = {},
  ) {
    this.backoff = new Backoff(opts.recheckMs ?? 5000);
    this.queryEmbedders = new QueryEmbedders(opts.queryTimeoutMs);
  }

  get configured(): boolean {
    return !!this.settings;
  }

  /** Sets (or clears) the embedder, checks it, and starts embedding what it has not embedded. */
  configure(settings: EmbedderSettings | null): Promise<void> {
    const run = this.apply(settings);
    this.configuring = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the embedder set last has been checked (live or degraded). */
  async checked(): Promise<void> {
    await this.configuring;
    await this.preflighting;
  }

  private async apply(settings: EmbedderSettings | null): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.recheckTimer);
    this.stopWork();
    const gen = ++this.generation;
    void this.target?.close();
    this.queryEmbedders.reset();
    this.backoff.reset();
    if (settings?.provider === 'auto') {
      this.target = undefined;
      this.state = { state: 'checking', provider: 'auto' };
      this.emit();
      const active = this.vectors.available ? (await this.vectors.activeSpace())?.model : undefined;
      if (gen !== this.generation || this.closed) return;
      const choice = await resolveProvider(settings, undefined, active);
      if (gen !== this.generation || this.closed) return;
      this.autoNote = choice.note;
      this.settings = choice.settings;
    } else {
      this.autoNote = undefined;
      this.settings = settings as ResolvedEmbedderSettings | null;
    }
    if (!this.settings) {
      this.target = undefined;
      this.state = { state: 'off' };
      this.emit();
      this.wakeIdle();
      if (!this.opts.readonly) await this.docs.settlePendingWithoutVectors();
      this.emit();
      return;
    }
    this.target = new ProcessEmbedder(this.settings);
    if (!this.vectors.available) {
      this.state = { ...this.describe(), state: 'degraded', reason: `${vectorsUnavailable(this.vectors)}; keyword search only` };
      this.emit();
      return;
    }
    return this.check();
  }

  /** Preflight; live -> start the queue, failed -> degraded and a later check (`again`: of the same embedder). */
  private check(again = false): Promise<void> {
    const target = this.target!;
    const gen = this.generation;
    // A degraded embedder checked again stays degraded until the check says otherwise: what the
    // user sees changes only when the result does (no "live" flash between two failures).
    this.state = again && this.state.state === 'degraded' ? { ...this.state, rechecking: true } : { ...this.describe(), state: 'checking' };
    this.emit();
    const run = target.preflight().then(
      async (report) => {
        if (gen !== this.generation || this.closed) return;
        try {
          if (!this.opts.readonly) await this.vectors.ensureSpace(target.id, report.dimensions);
          if (gen !== this.generation || this.closed) return;
        } catch (err) {
          this.degrade(err); // e.g. the model now answers with other dimensions than its stored vectors
          return;
        }
        this.backoff.reset();
        this.state = { ...this.describe(), state: 'live' };
        this.emit();
        this.kick();
      },
      (err) => {
        if (gen !== this.generation || this.closed) return;
        this.degrade(err);
      },
    );
    const tracked: Promise<void> = run.finally(() => {
      if (this.preflighting === tracked) this.preflighting = undefined;
    });
    this.preflighting = tracked;
    return run;
  }

  private degrade(err: unknown): void {
    const { reason, fix } = describeFailure(err);
    const wait = this.backoff.next();
    this.state = { ...this.describe(), state: 'degraded', reason, fix, nextCheckAt: Date.now() + wait };
    this.stopWork();
    clearTimeout(this.recheckTimer);
    const gen = this.generation;
    this.recheckTimer = setTimeout(() => {
      if (gen === this.generation && !this.closed) void this.check(true);
    }, wait);
    this.recheckTimer.unref?.();
    this.emit();
    this.wakeIdle();
  }

  /** The storage behind the queue changed (the team index went away or is back): its vector space is set up again and the queue resumes there. */
  reattach(): void {
    if (!this.target || this.closed) return;
    clearTimeout(this.recheckTimer);
    void this.check(this.state.state === 'degraded');
  }

  /** Checks a degraded embedder now instead of waiting for the back-off. */
  recheck(): Promise<void> {
    if (!this.target || this.state.state === 'live') return Promise.resolve();
    clearTimeout(this.recheckTimer);
    return this.preflighting ?? this.check(true);
  }

  /** New text was indexed: embed it (no-op when off, degraded, paused or read-only). */
  kick(): void {
    if (this.closed || !this.target || this.paused || this.opts.readonly || this.opts.background === false) return;
    if (this.state.state !== 'live') return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      this.emit();
      if (this.again && !this.closed) {
        this.again = false;
        this.kick();
      }
      if (!this.running) this.wakeIdle();
    });
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.stopWork();
    this.emit();
    this.wakeIdle();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.wakeIdle();
    this.emit();
    this.kick();
  }

  /** Resolves once nothing is left to embed, or embedding cannot go on (off, degraded, paused). */
  async idle(signal?: AbortSignal): Promise<void> {
    await this.checked();
    for (;;) {
      if (signal?.aborted) throw new LoreError('ABORTED', 'Cancelled.');
      const canWork = this.state.state === 'live' && !this.paused && !!this.target && !this.opts.readonly && this.opts.background !== false;
      if (!this.running && (!canWork || (await this.docs.remaining(this.target!.id)) === 0)) return;
      if (signal?.aborted) throw new LoreError('ABORTED', 'Cancelled.');
      if (!this.running) this.kick();
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  private stopWork(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  private async loop(): Promise<void> {
    const ac = (this.controller = new AbortController());
    const target = this.target!;
    this.emit();
    try {
      const workers = Array.from({ length: Math.max(1, this.opts.concurrency ?? 2) }, () => this.worker(target, ac.signal));
      await Promise.all(workers);
      if (!ac.signal.aborted && this.state.state === 'live' && this.target === target && (await this.docs.remaining(target.id)) === 0) await this.switchOver(target.id);
    } catch (err) {
      if (!this.closed) this.degrade(err);
    } finally {
      if (this.controller === ac) this.controller = undefined;
    }
  }

  private async worker(target: Embedder, signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.state.state === 'live' && !this.paused) {
      const batch = await this.take(target.id);
      if (!batch.length) return;
      try {
        const counts = await embedStep({ target, batch, signal, docs: this.docs, vectors: this.vectors });
        this.hits += counts.hits;
        this.misses += counts.misses;
      } catch (err) {
        if (signal.aborted) return;
        this.degrade(err);
        return;
      } finally {
        for (const d of batch) this.claimed.delete(d.id);
      }
      this.emit();
    }
  }

  /** The next documents to embed, claimed for this worker. */
  private take(model: string): Promise<TodoDoc[]> {
    const taken = this.taking.then(async () => {
      const batch = await this.docs.todo(model, this.opts.docsPerStep ?? 16, this.claimed);
      for (const d of batch) this.claimed.add(d.id);
      return batch;
    });
    this.taking = taken.catch(() => undefined);
    return taken;
  }

  /** The new model covers everything: it serves from now on, and the old space goes. */
  private async switchOver(model: string): Promise<void> {
    const spaces = await this.vectors.spaces();
    if (!spaces.some((s) => s.model === model)) return;
    if (spaces.find((s) => s.active)?.model !== model) await this.vectors.activate(model);
    for (const s of spaces) if (s.model !== model) await this.vectors.dropSpace(s.model);
    this.emit();
  }

  /** As availability(), after waiting (briefly) for an embedder check in progress. */
  async settledAvailability(maxWaitMs = 2500): Promise<SemanticAvailability> {
    if (this.preflighting || this.configuring) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.checked(), new Promise((r) => (timer = setTimeout(r, maxWaitMs)))]);
      clearTimeout(timer);
    }
    return this.availability();
  }

  /** Whether semantic search can answer now, and how to embed a query for the space that serves. */
  async availability(): Promise<SemanticAvailability> {
    if (!this.settings) return { ok: false, reason: this.state.provider === 'auto' ? 'the embedder is still being chosen (auto)' : 'no embedder is configured (keyword only)' };
    if (!this.vectors.available) return { ok: false, reason: vectorsUnavailable(this.vectors) };
    const active = await this.vectors.activeSpace();
    const count = active ? await this.vectors.count(active.model) : 0;
    if (!active || count === 0) {
      if (this.state.state === 'degraded') return { ok: false, reason: this.state.reason ?? 'the embedder is unavailable' };
      const waiting = this.target ? await this.docs.remaining(this.target.id) : 0;
      return { ok: false, reason: `the vectors are not built yet (${waiting} document(s) waiting to be embedded)` };
    }
    if (active.model === this.target?.id && this.state.state === 'degraded') return { ok: false, reason: this.state.reason ?? 'the embedder is unavailable' };
    const embedder = this.queryEmbedders.forModel(active.model, this.settings, this.target);
    if (!embedder) return { ok: false, reason: `the vectors were made by ${active.model}, which is not configured` };
    return {
      ok: true,
      model: active.model,
      embedQuery: async (text, signal) => {
        await this.preflighting;
        const key = `${active.model}\u0000${text}`;
        const hit = this.queryVectors.get(key);
        if (hit) return hit;
        const [v] = await embedder.embed([text], { kind: 'query', signal });
        this.queryVectors.set(key, v);
        return v;
      },
      embedDocuments: async (texts, signal) => {
        await this.preflighting;
        return embedder.embed(texts, { kind: 'document', signal });
      },
    };
  }

  async status(): Promise<{ embedder: EmbedderStatus; queue: QueueStatus; cache: CacheStatus }> {
    const pending = this.target ? await this.docs.remaining(this.target.id) : 0;
    const total = this.hits + this.misses;
    let embedder: EmbedderStatus = this.state;
    const target = this.target;
    if (target && this.vectors.available) {
      const active = (await this.vectors.activeSpace())?.model;
      const space = (await this.vectors.spaces()).find((s) => s.model === target.id);
      embedder = { ...embedder, activeModel: active, dimensions: space?.dims ?? target.dimensions, progress: await this.docs.coverage(target.id) };
    }
    if (target && this.settings?.provider === 'builtin') {
      embedder = { ...embedder, truncated: target.truncated, download: builtinDownloadInfo(this.settings) };
    }
    if (this.autoNote) embedder = { ...embedder, autoNote: this.autoNote };
    return {
      embedder,
      queue: { pending, running: !!this.running, paused: this.paused },
      cache: { hits: this.hits, misses: this.misses, hitRate: total ? this.hits / total : 0 },
    };
  }

  listModels(): Promise<string[]> {
    if (!this.target) return Promise.resolve([]);
    return this.target.listModels();
  }

  /**
   * Downloads the built-in model (a host calls this only after the user agreed), then checks the
   * embedder again so semantic search starts. Cancelling keeps what was downloaded for next time.
   */
  async downloadModel(opts: { signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void } = {}): Promise<void> {
    if (this.settings?.provider !== 'builtin') throw new LoreError('BAD_INPUT', 'The built-in model is not the configured embedder (lore.embedding.provider).');
    await downloadBuiltinModel(this.settings, opts);
    await this.recheck();
  }

  private describe(): EmbedderStatus {
    const t = this.target;
    return t ? { state: 'off', provider: t.provider, model: t.model, dimensions: t.dimensions } : { state: 'off' };
  }

  /** Stops the work under way and waits for it to end (the index under it is being replaced); kick() starts again. */
  async halt(): Promise<void> {
    this.again = false;
    this.stopWork();
    await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.recheckTimer);
    this.stopWork();
    await this.running;
    await this.target?.close();
    await this.queryEmbedders.close();
    this.wakeIdle();
  }
}
