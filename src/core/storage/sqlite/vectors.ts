import type { Database, Statement } from 'better-sqlite3';
import { LoreError, throwIfAborted } from '../../errors';
import { BitIndex } from './vecBits';
import { Turns } from '../../turns';
import { compactSpace, storageOf } from './vecCompact';
import { EmbeddingCache } from './vecCache';
import { normalised, quantizeInt8 } from '../../search/vecMath';
import { exactSearch, rescore, rescoreTable } from './vecSearch';
import type { SpaceRow, VectorHit, VectorsWritten } from './vecTypes';
import { Prefilters } from './vecPrefilters';
import type { VectorSpace } from '../vectors';

export type { VectorHit, VectorsWritten } from './vecTypes';

export type { VectorSpace } from '../vectors';

export interface VectorSearchOptions {
  /** Only these chunks (from type/glob/modified filters). Results are the nearest among them, never starved. */
  allowedChunkIds?: Set<number>;
  signal?: AbortSignal;
  /** Skip the binary prefilter and compare the query with every vector (sqlite-vec's float scan). */
  exact?: boolean;
}

/** vec0 stores vectors in blocks of this many rows; small blocks make point reads cheap (~30 us) and free space sooner. */
const CHUNK_SIZE = 64;
/** Rebuild a space's table when its allocated slots exceed the live vectors by this factor (plus slack). */
const COMPACT_RATIO = 1.15;
const SPACE_COLUMNS = `id, model, dims, table_name AS "table", bits, version, active, created_at AS createdAt, activated_at AS activatedAt`;

/**
 * Vector storage and nearest-neighbour search over chunks, one sqlite-vec `vec0` table per
 * space (model + dimensions), keyed by chunks.id, cosine distance; plus the embedding cache.
 * Search: a binary-quantised prefilter in memory (Hamming distance over sign bits, over-fetching
 * `overfetch` x k candidates), then exact float cosine over the candidates.
 */
export class VectorStore {
  readonly available: boolean;
  readonly unavailableReason?: string;
  private readonly prefilters: Prefilters;
  private readonly stmts = new Map<string, Statement>();
  private readonly cache: EmbeddingCache;
  private deletedSinceCheck = false;
  /** Candidates per wanted result for the prefilter (recall vs time; see bench/vectors.ts). */
  overfetch = 10;
  minCandidates = 400;

  constructor(private readonly db: Database) {
    this.cache = new EmbeddingCache(db);
    this.prefilters = new Prefilters(db);
    try {
      db.prepare('SELECT vec_version()').get();
      this.available = true;
    } catch (err) {
      this.available = false;
      this.unavailableReason = (err as Error).message;
    }
  }

  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private requireVec(): void {
    if (!this.available) {
      throw new LoreError(
        'VECTORS_UNAVAILABLE',
        `Semantic search is unavailable: sqlite-vec is not loaded in this runtime (${this.unavailableReason ?? 'unknown reason'}). Keyword search still works.`,
      );
    }
  }

  private row(model: string): SpaceRow | undefined {
    return this.stmt(`SELECT ${SPACE_COLUMNS} FROM vector_spaces WHERE model = ?`).get(model) as SpaceRow | undefined;
  }

  private space(model: string): SpaceRow {
    const s = this.row(model);
    if (!s) throw new LoreError('BAD_INPUT', `No vectors are stored for model "${model}" (no vector space was created for it).`);
    return s;
  }

  private allRows(): SpaceRow[] {
    return this.stmt(`SELECT ${SPACE_COLUMNS} FROM vector_spaces ORDER BY id`).all() as SpaceRow[];
  }

  /** Creates the storage for a model's vectors (idempotent). A model cannot change its dimensions in place. */
  ensureSpace(model: string, dims: number): void {
    this.requireVec();
    if (!Number.isInteger(dims) || dims < 1 || dims > 8192) {
      throw new LoreError('BAD_INPUT', `Embedding dimensions must be a whole number from 1 to 8192, got ${dims} (model "${model}").`);
    }
    const existing = this.row(model);
    if (existing) {
      if (existing.dims !== dims) {
        throw new LoreError(
          'BAD_INPUT',
          `Model "${model}" now returns ${dims}-dimensional vectors but its stored vectors have ${existing.dims}: ` +
            `drop its vector space (re-embed) before using it with the new dimensions.`,
        );
      }
      return;
    }
    const bits = dims % 8 === 0 ? 1 : 0;
    this.db.transaction(() => {
      const now = Date.now();
      const anyActive = this.stmt('SELECT 1 FROM vector_spaces WHERE active = 1').get() !== undefined;
      const { id } = this.stmt(`INSERT INTO vector_spaces (model, dims, table_name, bits, active, created_at, activated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`)
        .get(model, dims, `vec_pending_${Date.now()}_${Math.random()}`, bits, anyActive ? 0 : 1, now, anyActive ? null : now) as { id: number };
      const table = `vec_s${id}_0`;
      this.createTable(table, dims, bits === 1);
      if (bits) this.db.exec(`CREATE TABLE "${rescoreTable(id)}" (chunk_id INTEGER PRIMARY KEY, codes BLOB NOT NULL)`);
      this.stmt('UPDATE vector_spaces SET table_name = ? WHERE id = ?').run(table, id);
    })();
  }

  private createTable(table: string, dims: number, bits: boolean): void {
    this.db.exec(`CREATE VIRTUAL TABLE "${table}" USING vec0(chunk_id INTEGER PRIMARY KEY,
      embedding float[${dims}] distance_metric=cosine${bits ? `, bits bit[${dims}]` : ''}, chunk_size=${CHUNK_SIZE})`);
  }

  spaces(): VectorSpace[] {
    return this.allRows().map((r) => ({
      model: r.model,
      dims: r.dims,
      count: this.countRow(r),
      active: r.active === 1,
      createdAt: r.createdAt,
      activatedAt: r.activatedAt,
    }));
  }

  /** The space that serves semantic search, if any. */
  activeSpace(): { model: string; dims: number } | undefined {
    return this.stmt('SELECT model, dims FROM vector_spaces WHERE active = 1').get() as { model: string; dims: number } | undefined;
  }

  /** Makes `model`'s space the one that serves search (the end of a shadow re-index). */
  activate(model: string): void {
    const s = this.space(model);
    this.db.transaction(() => {
      this.stmt('UPDATE vector_spaces SET active = 0 WHERE active = 1 AND id != ?').run(s.id);
      this.stmt('UPDATE vector_spaces SET active = 1, activated_at = ? WHERE id = ? AND active = 0').run(Date.now(), s.id);
    })();
  }

  count(model: string): number {
    return this.countRow(this.space(model));
  }

  /** Works without sqlite-vec: counts the vec0 row-id shadow table, less the chunks deleted since. */
  private countRow(s: SpaceRow): number {
    // (count(*) of the table, less the few pending deletes: a NOT EXISTS per row costs ~15 ms at 100K.)
    const { n } = this.stmt(`SELECT (SELECT count(*) FROM "${s.table}_rowids")
        - (SELECT count(*) FROM vector_deletes d WHERE EXISTS (SELECT 1 FROM "${s.table}_rowids" r WHERE r.rowid = d.chunk_id)) AS n`).get() as { n: number };
    return n;
  }

  /**
   * Stores vectors for chunks (replacing any they had). Rows whose chunk no longer exists, or whose
   * chunk text changed (when `contentHash` is given), are skipped: returns how many were stored.
   */
  upsert(model: string, rows: { chunkId: number; vector: Float32Array; contentHash?: string }[]): number {
    const done = this.write(model, rows);
    this.noteWritten(done);
    this.compactIfDue();
    return done.written.length;
  }

  /**
   * upsert()'s transaction, and what the in-memory prefilter needs to hear of it (noteWritten):
   * the writer process runs this on its own connection, and this thread notes the answer.
   */
  write(model: string, rows: { chunkId: number; vector: Float32Array; contentHash?: string }[]): VectorsWritten {
    this.requireVec();
    const s = this.space(model);
    const prepared = rows.map((r) => ({ ...r, vector: normalised(r.vector, s.dims, `chunk ${r.chunkId}`, model) }));
    const del = this.stmt(`DELETE FROM "${s.table}" WHERE chunk_id = ?`);
    const ins = this.stmt(
      s.bits
        ? `INSERT INTO "${s.table}" (chunk_id, embedding, bits) VALUES (?, ?, vec_bit(?))`
        : `INSERT INTO "${s.table}" (chunk_id, embedding) VALUES (?, ?)`,
    );
    const chunk = this.stmt('SELECT content_hash AS hash FROM chunks WHERE id = ?');
    const putCodes = s.bits
      ? this.stmt(`INSERT INTO "${rescoreTable(s.id)}" (chunk_id, codes) VALUES (?, ?) ON CONFLICT (chunk_id) DO UPDATE SET codes = excluded.codes`)
      : undefined;
    const written: { id: number; bits?: Uint8Array }[] = [];
    const before = this.db.transaction(() => {
      this.flushDeletes({ compact: false });
      // Give back the holes first, so the new rows land in the pages they free (no high-water mark).
      if (this.deletedSinceCheck) this.compactAll(true);
      const version = this.version(s.id);
      for (const r of prepared) {
        const c = chunk.get(r.chunkId) as { hash: string } | undefined;
        if (!c || (r.contentHash !== undefined && c.hash !== r.contentHash)) continue;
        const id = BigInt(r.chunkId);
        if (del.run(id).changes) this.deletedSinceCheck = true; // a replaced vector leaves a hole too
        const blob = Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength);
        const bits = s.bits ? BitIndex.quantize(r.vector) : undefined;
        if (bits) ins.run(id, blob, bits);
        else ins.run(id, blob);
        putCodes?.run(r.chunkId, quantizeInt8(r.vector).codes);
        written.push({ id: r.chunkId, bits });
      }
      if (written.length) this.bump(s.id);
      return version;
    })();
    return { table: s.table, before, written };
  }

  /** Brings the in-memory prefilter up to date with a write (on this connection or the writer process's). */
  noteWritten(done: VectorsWritten): void {
    this.prefilters.noteWritten(done);
  }

  /** Deletes vectors of these chunks from one space, or from every space when `model` is undefined. */
  remove(model: string | undefined, chunkIds: number[]): void {
    this.requireVec();
    const spaces = model === undefined ? this.allRows() : [this.space(model)];
    this.db.transaction(() => {
      this.flushDeletes({ compact: false });
      for (const s of spaces) this.deleteFrom(s, chunkIds);
    })();
    this.compactIfDue();
  }

  private deleteFrom(s: SpaceRow, ids: Iterable<number>): number {
    const del = this.stmt(`DELETE FROM "${s.table}" WHERE chunk_id = ?`);
    const delCodes = s.bits ? this.stmt(`DELETE FROM "${rescoreTable(s.id)}" WHERE chunk_id = ?`) : undefined;
    const before = this.version(s.id);
    const gone: number[] = [];
    for (const id of ids) {
      if (del.run(BigInt(id)).changes) {
        delCodes?.run(id);
        gone.push(id);
      }
    }
    if (gone.length) {
      this.deletedSinceCheck = true;
      this.bump(s.id);
      this.prefilters.noteDeleted(s.table, gone, before);
    }
    return gone.length;
  }

  /**
   * Applies chunk deletions recorded by the schema's trigger to every space. Runs before every read
   * and write of this store; the indexer may call it after a batch to free the space sooner.
   * Returns how many vectors went. A read-only connection cannot: searches exclude them instead.
   */
  flushDeletes(opts: { compact?: boolean } = {}): number {
    if (this.db.readonly || !this.available) return 0;
    if (!this.stmt('SELECT 1 FROM vector_deletes LIMIT 1').get()) {
      if (opts.compact !== false) this.compactIfDue();
      return 0;
    }
    const n = this.db.transaction(() => {
      const ids = (this.stmt('SELECT chunk_id FROM vector_deletes').pluck().all() as number[]);
      let removed = 0;
      for (const s of this.allRows()) removed += this.deleteFrom(s, ids);
      this.stmt('DELETE FROM vector_deletes').run();
      return removed;
    }).immediate(); // the write lock first: reading, then finding another connection committed meanwhile, is an error no wait can clear
    if (opts.compact !== false) this.compactIfDue();
    return n;
  }

  /** After deletions (and outside any transaction): rebuild the spaces whose tables are mostly holes. */
  compactIfDue(): void {
    if (this.deletedSinceCheck && !this.db.inTransaction) this.compactAll(false);
  }

  private compactAll(inTransaction: boolean): void {
    this.deletedSinceCheck = false;
    for (const s of this.allRows()) this.compactSparse(s, inTransaction);
  }

  dropSpace(model: string): void {
    this.requireVec();
    const s = this.row(model);
    if (!s) return;
    this.db.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS "${s.table}"; DROP TABLE IF EXISTS "${rescoreTable(s.id)}"`);
      this.stmt('DELETE FROM vector_spaces WHERE id = ?').run(s.id);
      if (!this.stmt('SELECT 1 FROM vector_spaces LIMIT 1').get()) this.stmt('DELETE FROM vector_deletes').run();
    })();
    this.prefilters.drop(s.table);
  }

  private version(id: number): number {
    return (this.stmt('SELECT version FROM vector_spaces WHERE id = ?').get(id) as { version: number }).version;
  }

  private bump(id: number): void {
    this.stmt('UPDATE vector_spaces SET version = version + 1 WHERE id = ?').run(id);
  }

  /** Chunks deleted but not yet flushed (a read-only connection must not return them). */
  private pendingDeletes(): Set<number> | undefined {
    if (!this.stmt('SELECT 1 FROM vector_deletes LIMIT 1').get()) return undefined;
    if (!this.db.readonly && this.available) {
      // Apply them now, unless another connection holds the write lock: a search never waits for
      // a writer (nor for a rebuild); it excludes them instead.
      const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
      try {
        this.db.pragma('busy_timeout = 0');
        this.flushDeletes({ compact: false });
        return undefined;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      } finally {
        this.db.pragma(`busy_timeout = ${Number(timeout)}`);
      }
    }
    return new Set(this.stmt('SELECT chunk_id FROM vector_deletes').pluck().all() as number[]);
  }

  /**
   * The nearest `k` chunks to `query` in `model`'s space, by cosine distance, nearest first; the
   * thread has its turns between the prefilter's passes and the rescoring (the editor's runs it).
   */
  async search(model: string, query: Float32Array, k: number, opts: VectorSearchOptions = {}): Promise<VectorHit[]> {
    const plan = this.plan(model, query, k, opts);
    if (plan.hits) return plan.hits;
    const { s, q, index, excluded, m } = plan;
    const turns = new Turns();
    const candidates = await index.nearestInTurns(q, m, turns, opts.allowedChunkIds, excluded);
    throwIfAborted(opts.signal);
    if (turns.due()) await turns.take();
    throwIfAborted(opts.signal);
    return rescore((sql) => this.stmt(sql), s, q, candidates, k);
  }

  /** What a search needs: its answer already (exact search, nothing to find), or the prefilter to ask. */
  private plan(model: string, query: Float32Array, k: number, opts: VectorSearchOptions) {
    throwIfAborted(opts.signal);
    this.requireVec();
    const s = this.space(model);
    const q = normalised(query, s.dims, 'the query', model);
    if (k <= 0 || opts.allowedChunkIds?.size === 0) return { hits: [] };
    const excluded = this.pendingDeletes();
    if (opts.exact || !s.bits) return { hits: exactSearch((sql) => this.stmt(sql), s, q, k, opts.allowedChunkIds, excluded) };
    const index = this.prefilters.of(s);
    throwIfAborted(opts.signal);
    return { hits: undefined, s, q, index, excluded, m: Math.max(k * this.overfetch, this.minCandidates) };
  }

  /** Loads a space's in-memory prefilter now (else the first search does: ~0.1-0.3 s at 100K vectors). */
  warm(model: string): void {
    this.requireVec();
    const s = this.space(model);
    if (s.bits) this.prefilters.of(s);
  }

  /** Loads a space's in-memory prefilter in pieces, giving the thread its turns (see Prefilters.prepare). */
  async prepare(model: string): Promise<void> {
    if (!this.available) return;
    const s = this.row(model);
    if (s?.bits) await this.prefilters.prepare(s, () => this.row(model)?.version);
  }

  /** Storage held by a space: live vectors vs. slots allocated in vec0's blocks (DELETE leaves holes). */
  storage(model: string): { live: number; allocated: number } {
    return storageOf((sql) => this.stmt(sql), this.space(model).table, CHUNK_SIZE);
  }

  /**
   * Gives back the room deleted vectors hold when it exceeds COMPACT_RATIO of the live ones,
   * moving rows out of sparse blocks (see vecCompact.ts). Returns rows moved.
   */
  private compactSparse(s: SpaceRow, inTransaction: boolean): number {
    if (this.db.readonly || (this.db.inTransaction && !inTransaction)) return 0;
    const { live, allocated } = storageOf((sql) => this.stmt(sql), s.table, CHUNK_SIZE);
    if (allocated <= live * COMPACT_RATIO + 2 * CHUNK_SIZE) return 0;
    const moved = compactSpace(this.db, (sql) => this.stmt(sql), s, CHUNK_SIZE, 1.05);
    if (moved) this.prefilters.noteMoved(s.table, s.version);
    return moved;
  }

  /** Cached embeddings of these chunk texts for `model` (content hash -> vector). */
  cacheGet(model: string, contentHashes: string[]): Map<string, Float32Array> {
    return this.cache.get(model, contentHashes, this.row(model)?.dims);
  }

  cachePut(model: string, entries: { contentHash: string; vector: Float32Array }[]): void {
    this.cache.put(model, entries);
  }

  /** Forgets cached embeddings no chunk uses any more (all models, or one). Returns how many went. */
  pruneCache(model?: string): number {
    return this.cache.prune(model);
  }
}
