import fs from 'node:fs';
import path from 'node:path';
import { type LoreConfig, resolveConfig } from './config';
import { getIndexedDocument, type IndexedDocument, type LineRangeRequest } from './document';
import { errorMessage, LoreError } from './errors';
import { FileFilter } from './index/files';
import { type IndexProgress, reconcile, type ReconcileOptions, type ReconcileSummary } from './index/reconcile';
import { maintain, type MaintainOptions, type WatchEvents } from './index/maintain';
import { RetryScheduler } from './index/retry';
import { MarkdownWatcher, type WatchOptions } from './index/watcher';
import { EmbeddingPipeline } from './embed/pipeline';
import type { EmbedderSettings } from './embed/types';
import { runSearch } from './search/hybrid';
import { type PassageResponse, type PassageSearchOptions, searchPassages } from './search/passages';
import { CHUNKER_VERSION } from './markdown/chunk';
import type { SearchOptions, SearchResponse } from './search/types';
import type { Logger, SyncStatus } from './types';
import type { FileState } from './storage/documents';
import type { SessionStore } from './storage/sessions';
import type { Storage, ValidationReport } from './storage/storage';
import { openStorage } from './storage/open';
import type { Listener, Lore, LoreInit, LoreStatus } from './lore';

export type { Listener, Lore, LoreInit, LoreStatus } from './lore';
export type { Logger } from './types';
export type { FileState } from './storage/documents';
export type { WatchEvents } from './index/maintain';

/** Opens the index of one folder. The hosts (CLI, extension, MCP) use nothing but this. */
export async function createLore(init: LoreInit): Promise<Lore> {
  const warn = init.logger && ((m: string) => init.logger!.warn(m));
  if (!init.storage && !init.dbPath) throw new LoreError('BAD_INPUT', 'Lore needs an index: a database file or an open storage.');
  const storage = init.storage ?? (await openStorage({ dbPath: init.dbPath!, userData: init.userData, readonly: init.readonly, check: init.check, loadVectorExtension: init.loadVectorExtension, warn }));
  try {
    const stored = await storage.documents.meta('root');
    const root = init.root ? path.resolve(init.root) : stored;
    if (!root && storage.recovered) {
      throw new LoreError('DB_OPEN', `The index at ${storage.location} was damaged (${storage.recovered.reason}) and was set aside as ${storage.recovered.movedTo}; run \`lore index <dir>\` to rebuild it from the markdown (session history is kept).`);
    }
    if (!root) throw new LoreError('BAD_INPUT', `No folder given, and the index at ${storage.location} does not record which folder it is for (it is empty: run \`lore index <dir>\`).`);
    if (stored && root !== stored && fs.existsSync(stored) && (await storage.documents.hasDocuments())) {
      // One index holds one folder: indexing another into it would silently drop the first's documents.
      // (A folder that moved is adopted: its old path is gone, and its files keep their relative paths.)
      throw new LoreError('BAD_INPUT', `The index at ${storage.location} holds ${stored}, not ${root}. Give ${root} its own index (\`lore index ${root}\` keeps it in its .lore folder, or pass another --db), or delete ${storage.location} to reuse it.`);
    }
    if (!init.readonly && root !== stored) await storage.documents.setMeta('root', root);
    return new LoreService(init, root, storage);
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** The front door: wires the indexer, the watcher, search and the embedding queue over the storage. */
class LoreService implements Lore {
  private readonly logger: Logger | undefined;
  readonly sessions: SessionStore;
  private readonly filter: FileFilter;
  private readonly config: LoreConfig;
  private readonly progressListeners = new Set<Listener<IndexProgress>>();
  private queue: Promise<unknown> = Promise.resolve();
  private progress: IndexProgress | null = null;
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
  ) {
    this.logger = init.logger;
    this.config = resolveConfig(init.config);
    this.filter = new FileFilter(root, { include: this.config.include, exclude: this.config.exclude, respectGitignore: this.config.respectGitignore });
    this.sessions = storage.sessions;
    this.embedding = new EmbeddingPipeline(storage.embeddingQueue, storage.vectors, () => this.emitStatus(), { readonly: init.readonly, ...init.embedding });
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
    if (this.closed) return Promise.reject(new LoreError('BAD_INPUT', 'This Lore index is closed.'));
    const docs = this.storage.documents;
    // Chunks cut by another chunker (or at another size) are cut again: every file re-parsed once
    // (unchanged text keeps its vectors through the embedding cache).
    const chunking = `${CHUNKER_VERSION}:${this.config.maxChunkChars}`;
    const rechunk = async () => !opts.paths && (await docs.meta('chunking')) !== chunking && (await docs.hasDocuments());
    const run = this.queue.then(async () =>
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
            this.progress = p.phase === 'done' ? null : p;
            opts.onProgress?.(p);
            for (const l of this.progressListeners) l(p);
          },
          ...((await rechunk()) ? { force: true } : {}),
        },
      ).then(async (summary) => {
        if (!opts.paths && !opts.signal?.aborted) {
          await docs.setMeta('chunking', chunking);
          // Kept with the index, so that any status (another process's too) lists what was left out and why.
          await docs.setMeta('skipped', JSON.stringify({ count: summary.skipped, paths: summary.skippedPaths }));
        }
        return summary;
      }).finally(async () => {
        this.progress = null;
        // Vectors of deleted or rewritten chunks go now, not at the first search after this run.
        await this.storage.vectors.flushDeletes().catch((err) =>
          // Another writer holds the lock: searches exclude them until the next run.
          this.logger?.warn(`vectors of deleted chunks are removed at the next run: ${errorMessage(err)}`),
        );
        this.embedding.kick();
        this.emitStatus();
      }),
    );
    // Stopped by a full disk (or busy, failing storage): the files it did not reach are tried again
    // with back-off while watching (now, or once watching begins).
    this.queue = run.then(
      () => !opts.paths && (this.incomplete = false),
      (err) => {
        if ((err as LoreError).code !== 'DB_WRITE') return;
        this.incomplete = true;
        this.retries?.runFailed();
      },
    );
    return run;
  }

  async search(query: string, opts: SearchOptions = {}): Promise<SearchResponse> {
    const { keyword, vectors } = this.storage;
    return runSearch({ root: this.root, keyword, vectors, availability: () => this.embedding.settledAvailability() }, query, opts).catch((err) => {
      throw this.damageExplained(err);
    });
  }

  /** A damaged index file, in words that say what to do; any other error as it is. */
  private damageExplained(err: unknown): unknown {
    if (!this.storage.isDamage(err)) return err;
    return new LoreError('DB_OPEN', `The index at ${this.dbPath} is damaged (${errorMessage(err)}). Run \`lore index <dir>\`: it checks the file, sets a damaged one aside and rebuilds the index from the markdown; session history is kept.`, { cause: err });
  }

  searchPassages(query: string, opts: PassageSearchOptions = {}): Promise<PassageResponse> {
    return searchPassages((q, o) => this.search(q, o), async (p, startLine, endLine) => (await this.getDocument(p, { startLine, endLine }))?.text, query, opts);
  }

  async status(): Promise<LoreStatus> {
    const [c, info, embedding, skipped] = await Promise.all([
      this.storage.documents.counts(),
      this.storage.info(),
      this.embedding.status(),
      this.storage.documents.meta('skipped'),
    ]);
    return {
      root: this.root,
      dbPath: this.dbPath,
      userDataPath: this.storage.userDataLocation,
      schemaVersion: info.schemaVersion,
      documents: Object.values(c.byStatus).reduce((a, b) => a + b, 0),
      chunks: c.chunks,
      counts: c.byStatus,
      empty: c.empty,
      withWarnings: c.withWarnings,
      lastSyncedAt: c.lastSyncedAt,
      databaseBytes: info.bytes,
      vectorExtension: info.vectorExtension,
      indexing: this.progress,
      watching: !!this.watcher,
      skipped: skipped ? (JSON.parse(skipped) as LoreStatus['skipped']) : { count: 0, paths: [] },
      ...(this.storage.recovered ? { recovered: this.storage.recovered } : {}),
      ...embedding,
    };
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
    const dropped = this.queue.then(() => this.storage.documents.dropAll());
    this.queue = dropped.catch(() => undefined);
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
    this.closed = true;
    await this.embedding.close();
    this.statusListeners.clear();
    this.retries?.stop();
    await this.watcher?.close();
    this.watcher = undefined;
    this.progressListeners.clear();
    await this.queue;
    await this.storage.close();
  }
}
