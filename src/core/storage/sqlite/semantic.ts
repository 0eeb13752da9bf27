import type { Database, Statement } from 'better-sqlite3';
import { throwIfAborted } from '../../errors';
import { type ChunkRow, type ScoredRow, takeForDoc } from '../../search/hit';
import { CHUNK_ROWS, filterClauses } from './rows';
import type { SearchFilters } from '../../search/types';

/** What semantic search needs of the vector store (vectors.ts, VectorStore). */
export interface VectorSearcher {
  count(model: string): number;
  search(model: string, query: Float32Array, k: number, opts?: { allowedChunkIds?: Set<number>; signal?: AbortSignal }): Promise<{ chunkId: number; distance: number }[]>;
}

export const DEFAULT_MIN_SIMILARITY = 0.25;

/**
 * Nearest chunks to a query vector. Filters never starve the result: when any filter is set,
 * the chunks it allows are computed first and handed to the vector search as the candidate set
 * (sqlite-vec would otherwise filter after its top-k cut); one-hit-per-document over-fetches and
 * goes deeper until k documents are found or the vectors run out.
 */
export class SemanticSearch {
  private readonly stmts = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    private readonly vectors: VectorSearcher,
  ) {}

  async search(
    model: string,
    vector: Float32Array,
    k: number,
    filters: SearchFilters = {},
    opts: { signal?: AbortSignal; minSimilarity?: number } = {},
  ): Promise<ScoredRow[]> {
    if (k <= 0) return [];
    const perDoc = Math.max(1, filters.perDocument ?? 1);
    const minSim = opts.minSimilarity ?? DEFAULT_MIN_SIMILARITY;
    const allowed = this.allowedChunks(filters);
    if (allowed && !allowed.size) return [];
    const total = allowed?.size ?? this.vectors.count(model);
    const picked = new Map<number, ScoredRow>();
    for (let fetch = Math.max(k * perDoc * 3, 30); ; fetch *= 4) {
      throwIfAborted(opts.signal);
      const found = await this.vectors.search(model, vector, Math.min(fetch, Math.max(total, 1)), { allowedChunkIds: allowed, signal: opts.signal });
      const rows = new Map((this.details.all(JSON.stringify(found.map((h) => h.chunkId))) as ChunkRow[]).map((r) => [r.chunkId, r]));
      picked.clear();
      const perDocCount = new Map<number, number>();
      let belowThreshold = false;
      for (const h of found) {
        const similarity = 1 - h.distance;
        if (similarity < minSim) {
          belowThreshold = true;
          break;
        }
        const r = rows.get(h.chunkId);
        if (!r) continue; // a chunk deleted since its vector was written
        if (!takeForDoc(perDocCount, r.docId, perDoc)) continue;
        picked.set(r.chunkId, { ...r, score: similarity });
        if (picked.size >= k) break;
      }
      if (picked.size >= k || belowThreshold || found.length < fetch || fetch >= total) break;
    }
    return [...picked.values()];
  }

  /** The chunk ids the filters allow, or undefined when there is no filter. */
  allowedChunks(filters: SearchFilters): Set<number> | undefined {
    const { where, params } = filterClauses(filters);
    if (!where.length) return undefined;
    const sql = `SELECT c.id FROM chunks c JOIN document_index d ON d.id = c.document_id WHERE ${where.join(' AND ')}`;
    const stmt = this.cached(sql, () => this.db.prepare(sql).pluck());
    return new Set(stmt.all(...params) as number[]);
  }

  private get details(): Statement {
    return this.cached('details', () =>
      this.db.prepare(`${CHUNK_ROWS} WHERE c.id IN (SELECT value FROM json_each(?))`),
    );
  }

  private cached(key: string, make: () => Statement): Statement {
    let stmt = this.stmts.get(key);
    if (!stmt) this.stmts.set(key, (stmt = make()));
    return stmt;
  }
}
