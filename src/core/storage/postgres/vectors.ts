/**
 * Vectors of one project on PostgreSQL with pgvector: one table per vector space
 * (lore_vectors_<id>: chunk_id, embedding vector(dims)) with an HNSW cosine index, rows that go with
 * their chunk (ON DELETE CASCADE), and the team's embedding cache (lore_embedding_cache, shared by
 * every project on the server). Without pgvector on the server every method that needs it says so
 * (unavailableReason, with the fix); the cache still works.
 */
import { LoreError, throwIfAborted } from '../../errors';
import { type ScoredRow, takeForDoc } from '../../search/hit';
import type { SearchFilters } from '../../search/types';
import type { FusedOptions, FusedRow, NearestOptions, VectorIndex, VectorSpace } from '../vectors';
import { fusedRows } from './hybrid';
import type { PgDatabase } from './connect';
import { CHUNK_ROW, filterSql, type PgChunkRow, queryAtDepth, toScoredRow } from './rows';

/** As SQLite's (storage/sqlite/semantic.ts): chunks less similar than this are not returned. */
const DEFAULT_MIN_SIMILARITY = 0.25;
/** pgvector's HNSW index takes vectors of at most this many dimensions; wider spaces are scanned exactly. */
const HNSW_MAX_DIMS = 2000;

export const NO_PGVECTOR =
  'pgvector is not installed on the server, so semantic search is off (keyword search works): install it ' +
  '(Debian/Ubuntu: apt install postgresql-<version>-pgvector; or run the pgvector/pgvector image), then run ' +
  'CREATE EXTENSION vector in the database as its owner or a superuser.';

/** pgvector's text form of a vector: [1,2,3]. */
export const vectorLiteral = (v: Float32Array): string => `[${Array.from(v, (x) => (Number.isFinite(x) ? x : 0)).join(',')}]`;

const toBytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const fromBytes = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Whether pgvector is there (making it when the server has it and we may), and its version or why not. */
export async function pgvectorStatus(db: PgDatabase): Promise<{ version?: string; reason?: string }> {
  const installed = async () => (await db.query<{ v: string }>(`SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'`)).rows[0]?.v;
  const have = await installed();
  if (have) return { version: have };
  const available = (await db.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)).rowCount;
  if (!available) return { reason: NO_PGVECTOR };
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS vector');
  } catch (err) {
    return { reason: `pgvector is on the server but not enabled in this database, and Lore may not enable it (${(err as Error).message}): run CREATE EXTENSION vector as the database owner or a superuser. Keyword search works meanwhile.` };
  }
  return { version: await installed() };
}

interface SpaceRow { id: string; model: string; dims: number; active: boolean; created_at: string; activated_at: string | null }

export class PgVectorIndex implements VectorIndex {
  private constructor(
    private readonly db: PgDatabase,
    private readonly projectId: number,
    readonly available: boolean,
    readonly unavailableReason: string | undefined,
    readonly version: string | undefined,
  ) {}

  static async open(db: PgDatabase, projectId: number): Promise<PgVectorIndex> {
    const s = await pgvectorStatus(db);
    return new PgVectorIndex(db, projectId, !!s.version, s.reason, s.version);
  }

  /** The table of a space (its id is a number from the database: nothing of the user's is in the name). */
  static table(spaceId: number | string): string {
    return `lore_vectors_${Number(spaceId)}`;
  }

  private require(): void {
    if (!this.available) throw new LoreError('VECTORS_UNAVAILABLE', this.unavailableReason ?? NO_PGVECTOR);
  }

  /** The space `vector` searches in (undefined when there is none), refusing a vector of other dimensions. */
  private async querySpace(model: string, vector: Float32Array): Promise<{ table: string; exact: (filters: SearchFilters) => boolean } | undefined> {
    const s = await this.row(model);
    if (!s) return undefined;
    if (vector.length !== s.dims) throw new LoreError('BAD_INPUT', `The query vector has ${vector.length} dimensions; model "${model}"'s vectors have ${s.dims}.`);
    return { table: PgVectorIndex.table(s.id), exact: (filters) => !!filterSql(filters, 1).sql || s.dims > HNSW_MAX_DIMS };
  }

  private async row(model: string): Promise<SpaceRow | undefined> {
    return (await this.db.query<SpaceRow>('SELECT * FROM lore_vector_spaces WHERE project_id = $1 AND model = $2', [this.projectId, model])).rows[0];
  }

  /** The space's id, for the embedding queue's commits (created when missing). */
  async spaceId(model: string, dims: number): Promise<number> {
    await this.ensureSpace(model, dims);
    return Number((await this.row(model))!.id);
  }

  async spaces(): Promise<VectorSpace[]> {
    const rows = (await this.db.query<SpaceRow>('SELECT * FROM lore_vector_spaces WHERE project_id = $1 ORDER BY id', [this.projectId])).rows;
    const out: VectorSpace[] = [];
    for (const r of rows) {
      out.push({
        model: r.model, dims: r.dims, active: r.active, createdAt: Number(r.created_at),
        activatedAt: r.activated_at === null ? null : Number(r.activated_at),
        count: this.available ? await this.count(r.model) : 0,
      });
    }
    return out;
  }

  async activeSpace(): Promise<{ model: string; dims: number } | undefined> {
    if (!this.available) return undefined;
    const r = (await this.db.query<SpaceRow>('SELECT * FROM lore_vector_spaces WHERE project_id = $1 AND active', [this.projectId])).rows[0];
    return r ? { model: r.model, dims: r.dims } : undefined;
  }

  async ensureSpace(model: string, dims: number): Promise<void> {
    this.require();
    if (!Number.isInteger(dims) || dims < 1 || dims > 16000) {
      throw new LoreError('BAD_INPUT', `Embedding dimensions must be a whole number from 1 to 16000, got ${dims} (model "${model}").`);
    }
    const existing = await this.row(model);
    if (existing) {
      if (existing.dims !== dims) {
        throw new LoreError('BAD_INPUT', `Model "${model}" now returns ${dims}-dimensional vectors but its stored vectors have ${existing.dims}: drop its vector space (re-embed) before using it with the new dimensions.`);
      }
      return;
    }
    // Two clients making the same space at once: the unique key lets one win, the other finds it made.
    await this.db.transaction(async (c) => {
      const now = Date.now();
      const active = (await c.query('SELECT 1 FROM lore_vector_spaces WHERE project_id = $1 AND active', [this.projectId])).rowCount === 0;
      const ins = await c.query<{ id: string }>(`INSERT INTO lore_vector_spaces (project_id, model, dims, active, created_at, activated_at)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, model) DO NOTHING RETURNING id`, [this.projectId, model, dims, active, now, active ? now : null]);
      if (!ins.rows[0]) return;
      const table = PgVectorIndex.table(ins.rows[0].id);
      await c.query(`CREATE TABLE ${table} (
        chunk_id  BIGINT PRIMARY KEY REFERENCES chunks (id) ON DELETE CASCADE,
        embedding vector(${dims}) NOT NULL)`);
      if (dims <= HNSW_MAX_DIMS) await c.query(`CREATE INDEX ${table}_hnsw ON ${table} USING hnsw (embedding vector_cosine_ops)`);
    });
    const made = await this.row(model);
    if (made && made.dims !== dims) await this.ensureSpace(model, dims);
  }

  async activate(model: string): Promise<void> {
    this.require();
    await this.db.transaction(async (c) => {
      const r = await c.query('SELECT 1 FROM lore_vector_spaces WHERE project_id = $1 AND model = $2', [this.projectId, model]);
      if (!r.rowCount) throw new LoreError('BAD_INPUT', `No vectors are stored for model "${model}" (no vector space was created for it).`);
      await c.query('UPDATE lore_vector_spaces SET active = false WHERE project_id = $1 AND active AND model != $2', [this.projectId, model]);
      await c.query('UPDATE lore_vector_spaces SET active = true, activated_at = $3 WHERE project_id = $1 AND model = $2 AND NOT active', [this.projectId, model, Date.now()]);
    });
  }

  async dropSpace(model: string): Promise<void> {
    this.require();
    await this.db.transaction(async (c) => {
      const r = (await c.query<{ id: string }>('DELETE FROM lore_vector_spaces WHERE project_id = $1 AND model = $2 RETURNING id', [this.projectId, model])).rows[0];
      if (r) await c.query(`DROP TABLE IF EXISTS ${PgVectorIndex.table(r.id)}`);
    });
  }

  async count(model: string): Promise<number> {
    const s = await this.row(model);
    if (!s || !this.available) return 0;
    return Number((await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${PgVectorIndex.table(s.id)}`)).rows[0].n);
  }

  /**
   * The nearest chunks. Without filters the HNSW index answers (its search list as deep as the
   * fetch); with filters the allowed chunks are scanned exactly (an index would filter after its
   * cut and starve the result). One-per-document fetches deeper until k documents are found.
   */
  async nearest(model: string, vector: Float32Array, k: number, filters: SearchFilters = {}, opts: NearestOptions = {}): Promise<ScoredRow[]> {
    if (k <= 0 || !this.available) return [];
    const space = await this.querySpace(model, vector);
    if (!space) return [];
    const perDoc = Math.max(1, filters.perDocument ?? 1);
    const minSim = opts.minSimilarity ?? DEFAULT_MIN_SIMILARITY;
    const f = filterSql(filters, 4);
    const exact = space.exact(filters);
    for (let fetch = Math.max(k * perDoc * 3, 30); ; fetch *= 4) {
      throwIfAborted(opts.signal);
      // "+ 0" keeps the planner off the index when filters are set (exact order over the allowed chunks).
      const rows = (await queryAtDepth<PgChunkRow>(this.db, exact ? undefined : Math.max(40, fetch), `
          SELECT ${CHUNK_ROW}, 1 - (v.embedding <=> $2::vector) AS score
          FROM ${space.table} v JOIN chunks c ON c.id = v.chunk_id JOIN document_index d ON d.id = c.document_id
          WHERE d.project_id = $1 AND d.sync_status != 'failed' ${f.sql}
          ORDER BY (v.embedding <=> $2::vector)${exact ? ' + 0' : ''}, c.id LIMIT $3`, [this.projectId, vectorLiteral(vector), fetch, ...f.params])).map(toScoredRow);
      const picked: ScoredRow[] = [];
      const perDocCount = new Map<number, number>();
      let below = false;
      for (const r of rows) {
        if (r.score < minSim) {
          below = true;
          break;
        }
        if (!takeForDoc(perDocCount, r.docId, perDoc)) continue;
        picked.push(r);
        if (picked.length >= k) break;
      }
      // A page shorter than the fetch: the vectors ran out.
      if (picked.length >= k || below || rows.length < fetch) return picked;
    }
  }

  async fused(model: string, vector: Float32Array, query: string, depth: number, filters: SearchFilters, opts: FusedOptions): Promise<FusedRow[]> {
    if (depth <= 0 || !this.available) return [];
    const space = await this.querySpace(model, vector);
    if (!space) return [];
    throwIfAborted(opts.signal);
    return fusedRows(this.db, this.projectId, { table: space.table, exact: space.exact(filters) }, vectorLiteral(vector), query, depth, filters, {
      ...opts, minSimilarity: opts.minSimilarity ?? DEFAULT_MIN_SIMILARITY,
    });
  }

  /** Rows go with their chunks (ON DELETE CASCADE): nothing waits to be removed. */
  async flushDeletes(): Promise<number> {
    return 0;
  }

  async cached(model: string, contentHashes: string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (!contentHashes.length) return out;
    const r = await this.db.query<{ h: string; v: Buffer }>('SELECT content_hash AS h, vector AS v FROM lore_embedding_cache WHERE model = $1 AND content_hash = ANY($2::text[])', [model, contentHashes]);
    for (const row of r.rows) out.set(row.h, fromBytes(row.v));
    return out;
  }

  async cache(model: string, entries: { contentHash: string; vector: Float32Array }[]): Promise<void> {
    if (!entries.length) return;
    await this.db.query(`INSERT INTO lore_embedding_cache (model, content_hash, dims, vector, created_at)
      SELECT $1, h, $2, v, $3 FROM unnest($4::text[], $5::bytea[]) AS e(h, v) ON CONFLICT (model, content_hash) DO NOTHING`,
    [model, entries[0].vector.length, Date.now(), entries.map((e) => e.contentHash), entries.map((e) => toBytes(e.vector))]);
  }
}
