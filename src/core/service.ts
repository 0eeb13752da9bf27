import { type LoreConfig, resolveConfig } from './config';
import { getIndexedDocument, type IndexedDocument, type LineRangeRequest } from './document';
import { errorMessage, LoreError } from './errors';
import { Healer } from './heal';
import { FileFilter } from './index/files';
import { type IndexProgress, reconcile, type ReconcileOptions, type ReconcileSummary } from './index/reconcile';
import { maintain, type MaintainOptions, type WatchEvents } from './index/maintain';
import { RunLanes } from './index/lanes';
import { RunProgress } from './index/runProgress';
import { recordSkipped } from './index/skippedRecord';
import { chunkingOf, mustRechunk, neverIndexed, recordFullPass } from './index/passRecord';
import { readStatus } from './readStatus';
import { RetryScheduler } from './index/retry';
import { MarkdownWatcher, type WatchOptions } from './index/watcher';
import { EmbeddingPipeline } from './embed/pipeline';
import type { EmbedderSettings } from './embed/types';
import type { DownloadProgress } from './embed/builtin/download';
import { runSearch } from './search/hybrid';
import { type PassageResponse, type PassageSearchOptions, searchPassages } from './search/passages';
import { documentLinks, findRelated } from './related/related';
import { brokenLinks } from './related/broken';
import type { BrokenLinks, DocumentLinks, RelatedOptions, RelatedResult } from './related/types';
import type { SearchOptions, SearchResponse } from './search/types';
import type { Logger, SyncStatus } from './types';
import { documentTotal, type FileState } from './storage/documents';
import type { SessionStore } from './storage/sessions';
import type { MemoryStore } from './storage/memory';
import { expireMemories, searchMemories } from './memory/inSearch';
import type { MemoryHit } from './memory/types';
import type { Storage, ValidationReport } from './storage/storage';
import { openStorage } from './storage/open';
import { indexRoot } from './indexRoot';
import type { Listener, Lore, LoreInit, LoreStatus } from './lore';

export type { Listener, Lore, LoreInit, LoreStatus } from './lore';
export type { Logger } from './types';
export type { FileState } from './storage/documents';
export type { WatchEvents } from './index/maintain';

/** Opens the index of one folder. The hosts (CLI, extension, MCP) use nothing but this. */
export async function createLore(init: LoreInit): Promise<Lore> {
  const warn = init.logger && ((m: string) => init.logger!.warn(m));
  if (!init.storage && !init.dbPath) throw new LoreError('BAD_INPUT', 'Lore needs an index: a database file or an open storage.');
  const { dbPath, userData, readonly, check, loadVectorExtension, backend, postgres } = init;
  const storage = init.storage ?? (await openStorage({ dbPath: dbPath!, userData, readonly, check, loadVectorExtension, warn, backend, postgres, folder: init.root ?? init.defaultRoot }));
  try {
    const root = await indexRoot(init, storage);
    // A full pass records how it chunked: without that record the index was never filled.
    const unbuilt = !!storage.recovered || (await neverIndexed(storage.documents));
    if (!init.readonly) await expireMemories(storage.memory, init.logger);
    return new LoreService(init, root, storage, unbuilt);
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** The front door: wires the indexer, the watcher, search and the embedding queue over the storage. */
class LoreService implements Lore {
  private readonly logger: Logger | undefined;
  readonly sessions: SessionStore;
  readonly memory: MemoryStore;
  private readonly filter: FileFilter;
  private readonly config: LoreConfig;
  private readonly progressListeners = new Set<Listener<IndexProgress>>();
  /** Index runs: one over a path waits for earlier ones over it (a full pass waits for all), others run beside it. */
  private readonly lanes = new RunLanes();
  private readonly healer: Healer;
  /**
   * Never fully indexed (new, emptied, or set aside as damaged at open) and not since: a search
   * with no run under way indexes the folder first (it would find nothing); while a host's own
   * first pass runs, it answers from what is indexed so far.
   */
  private unbuilt: boolean;
  private unbuiltRun: Promise<unknown> | undefined;
  private readonly readonly: boolean;
  /** The index was checked page by page at open (else maintain() checks it, off this thread). */
  private readonly checkedAtOpen: boolean;
  private readonly progress = new RunProgress();
  private watcher: MarkdownWatcher | undefined;
  private retries: RetryScheduler | undefined;
  /** The last run stopped because the index could not be written: some files were never reached. */
  private incomplete = false;
  private closed = false;
  private readonly embedding: EmbeddingPipeline;
  private readonly statusListeners = new Set<() => void>();

  constructor(
    init: LoreInit,
    readonly root: string,
    private readonly storage: Storage,
    unbuilt: boolean,
  ) {
    this.logger = init.logger;
    this.readonly = !!init.readonly;
    this.checkedAtOpen = !!init.check;
    this.unbuilt = unbuilt && !init.readonly;
    this.config = resolveConfig(init.config);
    this.filter = new FileFilter(root, { include: this.config.include, exclude: this.config.exclude, respectGitignore: this.config.respectGitignore });
    this.sessions = storage.sessions;
    this.memory = storage.memory;
    this.healer = new Healer({
      storage,
      lanes: this.lanes,
      readonly: this.readonly,
      logger: this.logger,
      halt: () => this.embedding.halt(),
      reindex: () => this.runIndex({}, false),
      changed: () => this.emitStatus(),
    });
    this.embedding = new EmbeddingPipeline(storage.embeddingQueue, storage.vectors, () => this.emitStatus(), { readonly: init.readonly, ...init.embedding });
    // The team index went away (or is back): the index now in use is brought up to date from the markdown.
    storage.onChange?.(() => this.backendChanged());
    // Keyword only (no embedder): documents an earlier run left waiting for vectors are settled too.
    this.embedding.configure(init.embedder ?? null).catch((err) => this.logger?.warn(`the embedder could not be set up: ${errorMessage(err)}`));
  }

  get dbPath(): string {
    return this.storage.location;
  }

  getDocument(docPath: string, range?: LineRangeRequest): Promise<IndexedDocument | undefined> {
    return getIndexedDocument(this.storage.documents, this.root, docPath, range);
  }

  index(opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
    return this.runIndex(opts, true);
  }

  private runIndex(opts: ReconcileOptions, healDamage: boolean): Promise<ReconcileSummary> {
    if (this.closed) return Promise.reject(new LoreError('BAD_INPUT', 'This Lore index is closed.'));
    const docs = this.storage.documents;
    const chunking = chunkingOf(this.config.maxChunkChars);
    const scope = opts.paths?.map((p) => p.replace(/\/+$/, ''));
    const id = Symbol('index run');
    const run = this.lanes.run(scope, async () =>
      reconcile(
        {
          filter: this.filter,
          store: docs,
          maxFileSize: this.config.maxFileSize,
          chunk: { maxChunkChars: this.config.maxChunkChars },
          parseLimits: { timeoutMs: this.config.parseTimeoutMs },
          statusAfterText: () => (this.embedding.configured ? 'pending' : 'synced'),
        },
        {
          ...opts,
          onProgress: (p) => {
            const all = this.progress.update(id, p);
            opts.onProgress?.(p);
            for (const l of this.progressListeners) l(all);
          },
          ...(!opts.paths && (await mustRechunk(docs, chunking)) ? { force: true } : {}),
        },
      ).then(async (summary) => {
        if (!opts.paths && !opts.signal?.aborted) await recordFullPass(docs, chunking);
        if (!opts.signal?.aborted) await recordSkipped(docs, scope, { count: summary.skipped, paths: summary.skippedPaths });
        return summary;
      }).finally(async () => {
        this.progress.end(id);
        // Vectors of deleted or rewritten chunks go now, not at the first search after this run.
        await this.storage.vectors.flushDeletes().catch((err) =>
          // Another writer holds the lock (or the file is damaged): searches exclude them until the next run.
          this.logger?.warn(`vectors of deleted chunks are removed at the next run: ${errorMessage(err)}`),
        );
        this.embedding.kick();
        this.emitStatus();
      }),
    );
    // Stopped by a full disk (or busy, failing storage): the files it did not reach are tried again
    // with back-off while watching (now, or once watching begins).
    run.then(
      () => !opts.paths && (this.incomplete = this.unbuilt = false),
      (err) => {
        if ((err as LoreError).code !== 'DB_WRITE') return;
        this.incomplete = true;
        this.retries?.runFailed();
      },
    );
    // The file turned out damaged on the way: it is set aside and the whole folder indexed afresh.
    return healDamage ? run.catch((err) => this.healer.heal(err).rebuilt) : run;
  }

  /**
   * Checks every page of the index (off this thread) unless that was done at open, and heals a
   * damaged one. Resolves with the problems found ([] when sound), once a damaged one is rebuilt.
   */
  async verify(): Promise<string[]> {
    if (this.checkedAtOpen || this.closed) return [];
    const problems = await this.storage.check();
    if (problems.length) {
      const reason = problems.join('; ');
      this.logger?.warn(`the index at ${this.dbPath} failed its check (${reason})`);
      if (!this.readonly) await this.healer.healChecked(problems).rebuilt;
    }
    return problems;
  }

  async search(query: string, opts: SearchOptions = {}): Promise<SearchResponse> {
    const { keyword, vectors, links } = this.storage;
    const search = () => runSearch({ root: this.root, keyword, vectors, links, availability: () => this.embedding.settledAvailability() }, query, opts);
    if (this.unbuilt && (this.unbuiltRun || !this.lanes.busy)) await (this.unbuiltRun ??= this.index({}).finally(() => (this.unbuiltRun = undefined)));
    let response: SearchResponse;
    try {
      response = await search();
    } catch (err) {
      if (!this.storage.isDamage(err)) throw err;
      // Answered from the rebuilt index (a damaged one that cannot be rebuilt here says what to do).
      await this.healer.heal(err).rebuilt;
      response = await search();
    }
    // While runs are under way: what the index holds now, of that plus what the runs have left.
    if (this.progress.current) {
      const indexed = documentTotal(await this.storage.documents.counts());
      const p = this.progress.current; // read after the counts: they wait for the writes the runs are told of
      if (p) response.partial = p.phase === 'indexing' ? { indexed, total: indexed + p.total - p.done } : { indexed };
    }
    const memories = await this.searchMemories(query, opts);
    if (memories.length) response.memories = memories;
    return response;
  }

  searchMemories(query: string, opts: SearchOptions = {}): Promise<MemoryHit[]> {
    return searchMemories({ memory: this.memory, availability: () => this.embedding.settledAvailability(), logger: this.logger }, query, opts);
  }

  searchPassages(query: string, opts: PassageSearchOptions = {}): Promise<PassageResponse> {
    return searchPassages((q, o) => this.search(q, o), async (p, startLine, endLine) => (await this.getDocument(p, { startLine, endLine }))?.text, query, opts);
  }

  related(docPath: string, opts: RelatedOptions = {}): Promise<RelatedResult | undefined> {
    const { documents, links, keyword, vectors } = this.storage;
    return findRelated({ root: this.root, documents, links, keyword, vectors, semantic: () => this.embedding.settledAvailability() }, docPath, opts);
  }

  links(docPath: string, opts: { limit?: number } = {}): Promise<DocumentLinks | undefined> {
    return documentLinks({ root: this.root, documents: this.storage.documents, links: this.storage.links }, docPath, opts);
  }

  brokenLinks(limit = 100): Promise<BrokenLinks> {
    return brokenLinks(this.storage.links, this.root, limit);
  }

  async status(): Promise<LoreStatus> {
    try {
      return await this.readStatus();
    } catch (err) {
      if (!this.storage.isDamage(err)) throw err;
      // The status of the index that replaces it, being rebuilt (`indexing` and `recovered` say so).
      await this.healer.heal(err).replaced;
      return this.readStatus();
    }
  }

  private readStatus(): Promise<LoreStatus> {
    return readStatus(this.storage, { root: this.root, embedding: this.embedding, indexing: this.progress.current, watching: !!this.watcher });
  }

  files(status?: SyncStatus, limit = 1000): Promise<FileState[]> {
    return this.storage.documents.files(status, limit);
  }

  backup(opts: { to?: string; index?: boolean } = {}): Promise<{ userData: string; index?: string }> {
    return this.storage.backup(opts);
  }

  restore(from: string): Promise<string> {
    return this.storage.restoreUserData(from);
  }

  validate(): Promise<ValidationReport> {
    return this.storage.validate();
  }

  maintain(opts: MaintainOptions = {}): Promise<ReconcileSummary | undefined> {
    return maintain(this, opts);
  }

  async watch(events: WatchEvents = {}, opts: WatchOptions = {}): Promise<void> {
    if (this.watcher) return this.watcher.ready;
    const retries = (this.retries = new RetryScheduler(
      async () => (await this.storage.documents.files('failed', 10_000)).filter((f) => f.retry).map((f) => f.path),
      (paths) => this.index(paths ? { paths } : {}).then((summary) => events.onBatch?.({ paths: paths ?? [], gitignoreChanged: false }, summary)),
      opts.retryMs,
      (err) => events.onError?.(err),
    ));
    this.watcher = new MarkdownWatcher(
      this.filter,
      (batch) => {
        if (batch.gitignoreChanged) this.filter.reset();
        this.index(batch.gitignoreChanged ? {} : { paths: batch.paths }).then(
          (summary) => events.onBatch?.(batch, summary),
          (err) => events.onError?.(err),
        ).finally(() => retries.check());
      },
      (rel) => {
        this.storage.documents.markStale([rel]).then(
          (n) => n && this.emitStatus(),
          (err) => this.logger?.warn(`${rel} could not be marked stale: ${errorMessage(err)}`),
        );
      },
      opts,
    );
    if (this.incomplete) retries.runFailed();
    else retries.check();
    return this.watcher.ready;
  }

  async unwatch(): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    this.retries?.stop();
    this.retries = undefined;
    await w?.close();
  }

  rebuild(opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
    if (this.closed) return Promise.reject(new LoreError('BAD_INPUT', 'This Lore index is closed.'));
    // A damaged file cannot even be emptied: it is set aside instead, which leaves an empty index too.
    const dropped = this.lanes.run(undefined, () => this.storage.documents.dropAll()).catch((err) => this.healer.heal(err).replaced);
    return dropped.then(() => this.index(opts));
  }

  onProgress(listener: Listener<IndexProgress>): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  configureEmbedder(settings: EmbedderSettings | null): Promise<void> {
    return this.embedding.configure(settings);
  }

  listModels(): Promise<string[]> {
    return this.embedding.listModels();
  }

  pauseEmbedding(): void {
    this.embedding.pause();
  }

  resumeEmbedding(): void {
    this.embedding.resume();
  }

  recheckEmbedder(): Promise<void> {
    return this.embedding.recheck();
  }

  embeddingIdle(signal?: AbortSignal): Promise<void> {
    return this.embedding.idle(signal);
  }

  embedderChecked(): Promise<void> {
    return this.embedding.checked();
  }

  downloadModel(opts?: { signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void }): Promise<void> {
    return this.embedding.downloadModel(opts);
  }

  reconnectTeam(): Promise<void> {
    return this.storage.reconnect?.() ?? Promise.resolve();
  }

  private backendChanged(): void {
    if (this.closed) return;
    this.emitStatus();
    this.embedding.reattach();
    if (!this.readonly) this.runIndex({}, false).catch((err) => this.logger?.warn(`the index now in use could not be brought up to date: ${errorMessage(err)}`));
  }

  private emitStatus(): void {
    for (const l of this.statusListeners) {
      try {
        l();
      } catch (err) {
        // A listener's failure is its own; the index carries on.
        this.logger?.warn(`a status listener failed: ${errorMessage(err)}`);
      }
    }
  }

  onStatusChange(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = this.healer.closed = true;
    await this.embedding.close();
    this.statusListeners.clear();
    this.retries?.stop();
    await this.watcher?.close();
    this.watcher = undefined;
    this.progressListeners.clear();
    await this.lanes.idle();
    await this.storage.close();
  }
}
