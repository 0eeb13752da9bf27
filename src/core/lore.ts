/**
 * What the engine offers its hosts (CLI, extension, MCP): the Lore of one folder, how to open it,
 * and what its status says. service.ts implements it.
 */
import type { LoreConfig } from './config';
import type { IndexedDocument, LineRangeRequest } from './document';
import type { SkippedPath } from './index/files';
import type { IndexProgress, ReconcileOptions, ReconcileSummary } from './index/reconcile';
import type { MaintainOptions, WatchEvents } from './index/maintain';
import type { WatchOptions } from './index/watcher';
import type { PipelineOptions } from './embed/pipeline';
import type { CacheStatus, EmbedderStatus, QueueStatus } from './embed/health';
import type { EmbedderSettings } from './embed/types';
import type { DownloadProgress } from './embed/builtin/download';
import type { PassageResponse, PassageSearchOptions } from './search/passages';
import type { SearchOptions, SearchResponse } from './search/types';
import type { Logger, SyncStatus } from './types';
import type { BrokenLinks, DocumentLinks, RelatedOptions, RelatedResult } from './related/types';
import type { FileState } from './storage/documents';
import type { SessionStore } from './storage/sessions';
import type { MemoryStore } from './storage/memory';
import type { MemoryHit } from './memory/types';
import type { Recovery, Storage, StorageInfo, TeamStatus, ValidationReport } from './storage/storage';
import type { StorageOptions, UserData } from './storage/open';

export interface LoreInit {
  /** The folder whose markdown is indexed. Optional when the index already knows it. */
  root?: string;
  /** The folder to assume when neither `root` is given nor the index records one (the CLI found `<folder>/.lore/index.db`). */
  defaultRoot?: string;
  /** Storage opened by the caller (closed with this Lore); otherwise the SQLite index at dbPath. */
  storage?: Storage;
  /** The SQLite index file (created if missing unless readonly), when no storage is given. */
  dbPath?: string;
  /**
   * The user's own data (session history), kept apart from the rebuildable index: an open one the
   * caller shares between several indexes and closes itself, or a file (default: lore-user.db
   * beside the index), opened and closed with this Lore.
   */
  userData?: UserData | { path: string };
  config?: Partial<LoreConfig>;
  readonly?: boolean;
  /** Check every page of the index at open (an indexing run does; seconds on a large index): damage is repaired now. */
  check?: boolean;
  /** sqlite (default), postgres (the team index, the local index while the server is unreachable), or auto (postgres when a URL is configured). */
  backend?: StorageOptions['backend'];
  /** The team index's connection (the URL defaults to LORE_DATABASE_URL). */
  postgres?: StorageOptions['postgres'];
  /** How sqlite-vec is loaded (default: the sqlite-vec package). */
  loadVectorExtension?: StorageOptions['loadVectorExtension'];
  /** The embedder for semantic search; null/undefined = keyword only. */
  embedder?: EmbedderSettings | null;
  /** Where the engine reports what it recovers from instead of failing (default: nowhere). */
  logger?: Logger;
  /** Tuning of the background embedding queue (concurrency, back-off, background=false for one-shot CLI reads). */
  embedding?: PipelineOptions;
}


export interface LoreStatus {
  root: string;
  dbPath: string;
  /** Where session history is kept (':memory:' when a read-only Lore found none). */
  userDataPath: string;
  schemaVersion: number;
  documents: number;
  chunks: number;
  counts: Record<SyncStatus, number>;
  /** Indexed documents with no searchable text (empty files). */
  empty: number;
  /** Indexed despite a problem (e.g. front matter that is not valid YAML). */
  withWarnings: number;
  /** When a document was last written, or a full pass last found the index up to date (whichever is later). */
  lastSyncedAt: number | null;
  databaseBytes: number;
  vectorExtension: StorageInfo['vectorExtension'];
  indexing: IndexProgress | null;
  watching: boolean;
  /** The team index (PostgreSQL), when one is configured: which index answers now and why, with the server's health. */
  team?: TeamStatus;
  /** Set when the index file was found damaged at open, set aside, and is being rebuilt from the markdown. */
  recovered?: Recovery;
  /** What the last full pass could not index and why (unreadable folders, broken links, undecodable names). */
  skipped: { count: number; paths: SkippedPath[] };
  /** Links that reach no document of the index. */
  brokenLinks: number;
  /** Semantic search: off / checking / live / degraded (with the reason and a fix), model, dimensions, progress. */
  embedder: EmbedderStatus;
  /** Documents waiting for vectors. */
  queue: QueueStatus;
  /** Embedding cache hits and misses since this index was opened. */
  cache: CacheStatus;
}


export type Listener<T> = (value: T) => void;

export interface Lore {
  readonly root: string;
  readonly dbPath: string;
  /** Brings the index in line with the files on disk (runs one at a time, in order). */
  index(opts?: ReconcileOptions): Promise<ReconcileSummary>;
  /** Searches the index (async: semantic and hybrid modes embed the query). */
  search(query: string, opts?: SearchOptions): Promise<SearchResponse>;
  /** The memories a query finds (keyword, and by meaning when semantic search is live), best first; what search() puts in `memories`. */
  searchMemories(query: string, opts?: SearchOptions): Promise<MemoryHit[]>;
  /**
   * Searches and returns the hits as passages a model reads: each hit's whole chunk, fitted best
   * first to a budget (characters or tokens), cut or left out beyond it.
   */
  searchPassages(query: string, opts?: PassageSearchOptions): Promise<PassageResponse>;
  status(): Promise<LoreStatus>;
  files(status?: SyncStatus, limit?: number): Promise<FileState[]>;
  /** Backs the history up (and the index with `index`), to `to` or the backups folder beside it. */
  backup(opts?: { to?: string; index?: boolean }): Promise<{ userData: string; index?: string }>;
  /** Replaces the history with a backup's (the current one is backed up first; returns where). */
  restore(from: string): Promise<string>;
  /** Consistency checks of the index and the history (repairs nothing). */
  validate(): Promise<ValidationReport>;
  /**
   * Checks every page of the index without blocking this thread (skipped when `check` did it at
   * open); a damaged index is set aside and rebuilt from the markdown. Resolves with the problems found, once rebuilt.
   */
  verify(): Promise<string[]>;
  /**
   * Keeps the index fresh: indexes, then watches (progress through onProgress, each change batch
   * through onBatch) until `signal` aborts. Resolves with the first pass's summary once watching.
   */
  maintain(opts?: MaintainOptions): Promise<ReconcileSummary | undefined>;
  /** Watches the root and indexes changes as they settle; resolves once watching. */
  watch(events?: WatchEvents, opts?: WatchOptions): Promise<void>;
  onProgress(listener: Listener<IndexProgress>): () => void;
  /** Stops watching (pause); watch() starts again. */
  unwatch(): Promise<void>;
  /** Drops every indexed document (session history stays) and indexes the folder again from its files. */
  rebuild(opts?: ReconcileOptions): Promise<ReconcileSummary>;
  /** Session history, kept in the user-data file beside the index (read-only when the Lore is). */
  readonly sessions: SessionStore;
  /** Durable memory (remember, recall, forget...), in the same user-data file as the history. */
  readonly memory: MemoryStore;
  /** One document's indexed text, or a line range of it; undefined when it is not indexed. */
  getDocument(path: string, range?: LineRangeRequest): Promise<IndexedDocument | undefined>;
  /**
   * What belongs with a document (the section at `opts.line`): similar passages (by vectors when
   * semantic search is live, by the section's distinctive words otherwise), the links to it and the
   * links from it. Undefined when the document is not indexed.
   */
  related(path: string, opts?: RelatedOptions): Promise<RelatedResult | undefined>;
  /** A document's links both ways (undefined when it is not indexed). */
  links(path: string, opts?: { limit?: number }): Promise<DocumentLinks | undefined>;
  /** Links that reach no document of the index: how many, and the first `limit` (default 100). */
  brokenLinks(limit?: number): Promise<BrokenLinks>;
  /** Sets or clears (null) the embedder; a new model fills a new vector space while the old one keeps serving. */
  configureEmbedder(settings: EmbedderSettings | null): Promise<void>;
  /** Models the configured embedder's server offers ([] when none is configured). */
  listModels(): Promise<string[]>;
  pauseEmbedding(): void;
  resumeEmbedding(): void;
  /** Checks a degraded embedder now rather than at its next scheduled check. */
  recheckEmbedder(): Promise<void>;
  /** Resolves when nothing is left to embed or embedding cannot continue (off, degraded, paused). */
  embeddingIdle(signal?: AbortSignal): Promise<void>;
  /** Resolves once the configured embedder has been checked (its status then says live or why not). */
  embedderChecked(): Promise<void>;
  /**
   * Downloads the built-in model (status().embedder.download says what; call it only after the
   * user agreed), then checks the embedder again. Cancelling keeps the part downloaded.
   */
  downloadModel(opts?: { signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void }): Promise<void>;
  /** Tries an unreachable team index now (it is tried every few seconds anyway); resolves once back on it, or not. */
  reconnectTeam(): Promise<void>;
  /** Fired when counts, the embedder's state or the queue change. */
  onStatusChange(listener: () => void): () => void;
  close(): Promise<void>;
}

