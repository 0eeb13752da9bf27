/**
 * Opens Lore's SQLite storage: the index file (documents, chunks, FTS5, sqlite-vec vectors) and
 * the user-data file beside it (session history), behind the storage interfaces the engine uses.
 * SQLite answers synchronously; the interfaces are async so that a server backend fits the same
 * engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { ScoredRow } from '../../search/hit';
import type { SearchFilters, TermExplanation } from '../../search/types';
import type { KeywordIndex, KeywordOptions, NameMatch, NameQuery } from '../keyword';
import { NameLookup } from './names';
import { errorMessage, LoreError } from '../../errors';
import type { Recovery, Storage, StorageInfo, ValidationReport } from '../storage';
import type { DocumentStore } from '../documents';
import type { ChunkVector, EmbeddingQueue, NearestOptions, TodoChunk, TodoDoc, VectorIndex, VectorSpace } from '../vectors';
import { backupPath, writeBackup } from './backup';
import { FIELD_WEIGHTS } from './bm25';
import { SqliteDocumentStore } from './documents';
import { SqliteLinkIndex } from './links';
import type { LinkIndex } from '../links';
import { EmbedDocs } from './embedQueue';
import { KeywordSearch, registerSearchFunctions } from './keyword';
import { schemaVersion } from './migrate';
import { openDatabase, type OpenedDatabase, type OpenOptions } from './open';
import { damaged, damageReason, isDamage, moveAside, quickCheck, quickCheckOffThread } from './recover';
import { SemanticSearch } from './semantic';
import { HISTORY_LEAVES_INDEX, moveHistory, openUserData, type UserData, userDataPathFor } from './userData';
import { mergeReports, validateDatabase } from './validate';
import { VectorStore } from './vectors';
import { VectorWrites } from './vecWrites';
import { OffThreadWriter } from './writer';

export interface SqliteStorageOptions {
  /** The index file (created if missing unless readonly). */
  dbPath: string;
  /**
   * The user's own data: an open one the caller shares between several indexes and closes itself,
   * or a file (default: lore-user.db beside the index), opened and closed with this storage.
   */
  userData?: UserData | { path: string };
  readonly?: boolean;
  /** How sqlite-vec is loaded (default: the sqlite-vec package). */
  loadVectorExtension?: OpenOptions['loadVectorExtension'];
  /** Where what the storage recovers from is reported (a damaged index set aside, a listener's failure). */
  warn?: (message: string) => void;
  /** Run SQLite's quick check of every page at open (seconds on a large index): a damaged file is then found now, not at some later read. */
  check?: boolean;
}

/** The SQLite storage; `db` is for this backend's own tests and tools, never for the engine. */
export interface SqliteStorage extends Storage {
  readonly db: Database;
}

export function openSqliteStorage(opts: SqliteStorageOptions): SqliteStorage {
  const dbPath = path.resolve(opts.dbPath);
  const shared = opts.userData && 'sessions' in opts.userData ? opts.userData : undefined;
  const userData = shared ?? openUserData(opts.userData?.path ?? userDataPathFor(dbPath), { readonly: opts.readonly, warn: opts.warn });
  const ownUserData = shared ? undefined : userData;
  const openIndex = (): OpenedDatabase =>
    openDatabase(dbPath, {
      readonly: opts.readonly,
      loadVectorExtension: opts.loadVectorExtension,
      // History an older index file holds moves to the user-data file before the migration that drops it.
      beforeMigration: (db, version) => version === HISTORY_LEAVES_INDEX && moveHistory(db, userData),
    });
  const openChecked = (): OpenedDatabase => {
    const opened = openIndex();
    try {
      const problems = opts.check ? quickCheck(opened.db) : [];
      if (problems.length) throw damaged(problems.join('; '));
      return opened;
    } catch (err) {
      opened.db.close();
      throw err;
    }
  };
  try {
    let opened: OpenedDatabase;
    let recovered: Recovery | undefined;
    try {
      opened = openChecked();
    } catch (err) {
      if (!isDamage(err)) throw err;
      if (opts.readonly) throw damagedReadOnly(dbPath, damageReason(err), err);
      // The index is rebuildable from the markdown: set the damaged file aside and start afresh.
      recovered = setAside(dbPath, damageReason(err), opts.warn);
      opened = openChecked();
    }
    return new SqliteStorageImpl(dbPath, opened, openIndex, userData, ownUserData, !!opts.readonly, recovered, opts.warn);
  } catch (err) {
    ownUserData?.close();
    throw err;
  }
}

function damagedReadOnly(dbPath: string, reason: string, cause?: unknown): LoreError {
  return new LoreError('DB_OPEN', `The Lore index at ${dbPath} is damaged (${reason}). Index the folder once with write access (\`lore index <dir>\`): the damaged file is set aside and the index rebuilt from the markdown.`, { cause });
}

function setAside(dbPath: string, reason: string, warn?: (message: string) => void): Recovery {
  const movedTo = moveAside(dbPath);
  warn?.(`the index at ${dbPath} was damaged (${reason}); it was moved to ${movedTo} and is rebuilt from the markdown (session history is kept apart and untouched)`);
  return { reason, movedTo, at: Date.now() };
}

/** One open index file and the engine's views of it; replaced whole when a damaged file is set aside. */
class IndexFile {
  readonly documents: SqliteDocumentStore;
  readonly keyword: SqliteKeywordIndex;
  readonly vectors: SqliteVectorIndex;
  readonly embeddingQueue: SqliteEmbeddingQueue;
  readonly links: SqliteLinkIndex;

  constructor(readonly opened: OpenedDatabase, file: string, writable: boolean, warn?: (message: string) => void) {
    const db = opened.db;
    registerSearchFunctions(db);
    // A file on disk gets the off-thread writer; an in-memory snapshot (or a reader) has no file to share.
    // It writes vectors too when it can load sqlite-vec the way this connection did.
    const writer = writable && !opened.snapshot ? new OffThreadWriter(file, undefined, opened.vec.loaded && !!opened.vec.byDefault) : undefined;
    this.documents = new SqliteDocumentStore(db, writer, warn);
    this.keyword = new SqliteKeywordIndex(new KeywordSearch(db), new NameLookup(db));
    const store = new VectorStore(db);
    const docs = new EmbedDocs(db);
    const writes = new VectorWrites(db, store, docs, writer, warn);
    this.vectors = new SqliteVectorIndex(store, new SemanticSearch(db, store), writes);
    this.embeddingQueue = new SqliteEmbeddingQueue(docs, writes);
    this.links = new SqliteLinkIndex(db);
  }
}

/** A view that always reaches the index file open now: the engine keeps its references across a replacement. */
function current<T extends object>(get: () => T): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      const target = get();
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

class SqliteStorageImpl implements SqliteStorage {
  private file: IndexFile;
  readonly documents: DocumentStore;
  readonly keyword: KeywordIndex;
  readonly vectors: VectorIndex;
  readonly embeddingQueue: EmbeddingQueue;
  readonly links: LinkIndex;
  readonly sessions: UserData['sessions'];
  readonly memory: UserData['memory'];
  private closed = false;

  constructor(
    readonly location: string,
    opened: OpenedDatabase,
    private readonly openIndex: () => OpenedDatabase,
    private readonly userData: UserData,
    private readonly ownUserData: UserData | undefined,
    readonly readonly: boolean,
    public recovered: Recovery | undefined,
    private readonly warn?: (message: string) => void,
  ) {
    this.file = new IndexFile(opened, location, !readonly, warn);
    this.documents = current(() => this.file.documents);
    this.keyword = current(() => this.file.keyword);
    this.vectors = current(() => this.file.vectors);
    this.embeddingQueue = current(() => this.file.embeddingQueue);
    this.links = current(() => this.file.links);
    this.sessions = userData.sessions;
    this.memory = userData.memory;
  }

  get db(): Database {
    return this.file.opened.db;
  }

  get userDataLocation(): string {
    return this.userData.path;
  }

  isDamage(err: unknown): boolean {
    return isDamage(err);
  }

  async check(): Promise<string[]> {
    // An in-memory snapshot has no file to check beside it; a file is checked on a connection of its own.
    return this.file.opened.snapshot ? quickCheck(this.db) : quickCheckOffThread(this.location);
  }

  async replaceDamaged(reason: string): Promise<Recovery> {
    if (this.readonly) throw damagedReadOnly(this.location, reason);
    // Its connection is on the damaged file too; if it cannot close cleanly, that is said, and the file is set aside all the same.
    await this.file.documents.closeWriter().catch((err: unknown) => this.warn?.(`the index writer process did not close cleanly: ${errorMessage(err)}`));
    this.db.close();
    const recovered = setAside(this.location, reason, this.warn);
    this.file = new IndexFile(this.openIndex(), this.location, true, this.warn);
    this.recovered = recovered;
    return recovered;
  }

  async info(): Promise<StorageInfo> {
    let bytes = 0;
    for (const suffix of ['', '-wal']) bytes += fs.statSync(this.location + suffix, { throwIfNoEntry: false })?.size ?? 0;
    return { schemaVersion: schemaVersion(this.db), bytes, vectorExtension: this.file.opened.vec };
  }

  async backup(opts: { to?: string; index?: boolean } = {}): Promise<{ userData: string; index?: string }> {
    const to = path.resolve(opts.to ?? backupPath(this.userData.path, 'manual'));
    const userData = this.userData.backup(to);
    if (!opts.index) return { userData };
    return { userData, index: writeBackup(this.db, to.replace(/(\.db)?$/, '-index.db')) };
  }

  async restoreUserData(from: string): Promise<string> {
    return this.userData.restore(from);
  }

  async validate(): Promise<ValidationReport> {
    return mergeReports(validateDatabase(this.db), this.userData.validate());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.file.documents.closeWriter();
    } finally {
      this.db.close();
    }
    this.ownUserData?.close();
  }
}

class SqliteKeywordIndex implements KeywordIndex {
  readonly fieldWeights = { ...FIELD_WEIGHTS };

  constructor(
    private readonly search: KeywordSearch,
    private readonly names: NameLookup,
  ) {}

  async named(query: NameQuery, limit: number, filters?: SearchFilters): Promise<(ScoredRow & { nameMatch: NameMatch })[]> {
    return this.names.find(query, limit, filters);
  }

  async rows(query: string, k: number, filters?: SearchFilters, opts?: KeywordOptions): Promise<ScoredRow[]> {
    return this.search.rows(query, k, filters, opts);
  }

  async explainTerms(query: string, chunkId: number, opts?: KeywordOptions): Promise<TermExplanation[]> {
    return this.search.explainTerms(query, chunkId, opts);
  }
}

class SqliteVectorIndex implements VectorIndex {
  constructor(
    private readonly store: VectorStore,
    private readonly semantic: SemanticSearch,
    private readonly writes: VectorWrites,
  ) {}

  get available(): boolean {
    return this.store.available;
  }

  get unavailableReason(): string | undefined {
    return this.store.unavailableReason;
  }

  async spaces(): Promise<VectorSpace[]> {
    return this.store.spaces();
  }

  async activeSpace(): Promise<{ model: string; dims: number } | undefined> {
    return this.store.activeSpace();
  }

  async ensureSpace(model: string, dims: number): Promise<void> {
    this.store.ensureSpace(model, dims);
  }

  async activate(model: string): Promise<void> {
    this.store.activate(model);
  }

  async dropSpace(model: string): Promise<void> {
    this.store.dropSpace(model);
  }

  async count(model: string): Promise<number> {
    return this.store.count(model);
  }

  async nearest(model: string, vector: Float32Array, k: number, filters?: SearchFilters, opts?: NearestOptions): Promise<ScoredRow[]> {
    await this.writes.settled(); // vectors the writer process is committing: their bits reach the prefilter
    await this.store.prepare(model); // the prefilter, loaded in pieces before the search needs it
    return this.semantic.search(model, vector, k, filters, opts);
  }

  async flushDeletes(): Promise<number> {
    return this.store.flushDeletes();
  }

  async cached(model: string, contentHashes: string[]): Promise<Map<string, Float32Array>> {
    return this.store.cacheGet(model, contentHashes);
  }

  async cache(model: string, entries: { contentHash: string; vector: Float32Array }[]): Promise<void> {
    await this.writes.cache({ model, entries });
  }
}

class SqliteEmbeddingQueue implements EmbeddingQueue {
  constructor(
    private readonly docs: EmbedDocs,
    private readonly writes: VectorWrites,
  ) {}

  async todo(model: string, limit: number, claimed: ReadonlySet<number>): Promise<TodoDoc[]> {
    return this.docs.todo(model, limit, claimed);
  }

  async remaining(model: string): Promise<number> {
    return this.docs.remaining(model);
  }

  async coverage(model: string): Promise<{ done: number; total: number }> {
    return this.docs.coverage(model);
  }

  async chunks(docIds: number[]): Promise<TodoChunk[]> {
    return this.docs.chunks(docIds);
  }

  async commit(model: string, vectors: ChunkVector[], docs: { id: number; hash: string }[]): Promise<void> {
    await this.writes.commit({ model, rows: vectors, docs });
  }

  async markFailed(doc: { id: number; hash: string }, reason: string): Promise<void> {
    this.docs.markFailed(doc, reason);
  }

  async settlePendingWithoutVectors(): Promise<number> {
    return this.docs.settlePendingWithoutVectors();
  }
}
