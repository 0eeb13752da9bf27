/**
 * Hybrid search on PostgreSQL in one SQL query: the semantic list (pgvector, as PgVectorIndex.nearest
 * orders it), the keyword list (keywordListSql, as PgKeywordIndex.rows) and their fusion, RRF
 * (k = 60) or 0.7/0.3 of min-max scaled scores, with search/fusion.ts's order and tie-breaks, so the
 * result is the one the engine would fuse from the two lists, in one round trip to the server.
 */
import { DEFAULT_WEIGHTS, RRF_K } from '../../search/fusion';
import { buildKeywordQuery } from '../../search/query';
import type { SearchFilters } from '../../search/types';
import type { FusedOptions, FusedRow } from '../vectors';
import type { PgDatabase } from './connect';
import { bm25Query } from './bm25';
import { keywordListSql } from './keyword';
import { CHUNK_ROW, filterSql, type PgChunkRow, queryAtDepth, toScoredRow } from './rows';

export interface HybridSpace {
  table: string;
  /** Scan exactly (filters set, or too many dimensions for the HNSW index). */
  exact: boolean;
}

type Out = PgChunkRow & { fused: number; srank: string | null; sim: number | null; krank: string | null; kscore: number | null };

export async function fusedRows(
  db: PgDatabase, projectId: number, space: HybridSpace, vector: string,
  query: string, depth: number, filters: SearchFilters, opts: FusedOptions & { minSimilarity: number },
): Promise<FusedRow[]> {
  const perDoc = Math.max(1, filters.perDocument ?? 1);
  const ts = bm25Query(buildKeywordQuery(query, { prefixLast: opts.prefixLast }).parts);
  const f = filterSql(filters, 5);
  const n = 5 + f.params.length; // the vector, the candidate fetch and the similarity floor follow the filters
  const fetch = Math.max(depth * perDoc * 10, 200);
  const rrf = `coalesce(1.0::float8 / (${RRF_K} + s.rank), 0) + coalesce(1.0::float8 / (${RRF_K} + k.rank), 0)`;
  const scaled = (v: string, lo: string, hi: string) => `CASE WHEN ${v} IS NULL THEN 0 WHEN ${hi} > ${lo} THEN (${v} - ${lo}) / (${hi} - ${lo}) ELSE 1 END`;
  const weighted = `${DEFAULT_WEIGHTS.semantic}::float8 * ${scaled('s.sim', 'st.slo', 'st.shi')} + ${DEFAULT_WEIGHTS.keyword}::float8 * ${scaled('k.score', 'st.klo', 'st.khi')}`;
  const sql = `
    WITH kw AS (${ts ? keywordListSql(f.sql) : `SELECT NULL::bigint AS "chunkId", NULL::float8 AS score, NULL::bigint AS rank WHERE false`}),
    cand AS (
      SELECT c.id AS chunk, c.document_id AS doc, 1 - (v.embedding <=> $${n}::vector) AS sim
      FROM ${space.table} v JOIN chunks c ON c.id = v.chunk_id JOIN document_index d ON d.id = c.document_id
      WHERE d.project_id = $1 AND d.sync_status != 'failed' ${f.sql}
      ORDER BY (v.embedding <=> $${n}::vector)${space.exact ? ' + 0' : ''}, c.id LIMIT $${n + 1}
    ),
    per AS (SELECT *, row_number() OVER (PARTITION BY doc ORDER BY sim DESC, chunk) AS n FROM cand WHERE sim >= $${n + 2}),
    sem AS (SELECT chunk, sim, row_number() OVER (ORDER BY sim DESC, chunk) AS rank FROM per WHERE n <= $4 ORDER BY sim DESC, chunk LIMIT $3),
    st AS (SELECT (SELECT min(sim) FROM sem) AS slo, (SELECT max(sim) FROM sem) AS shi, (SELECT min(score) FROM kw) AS klo, (SELECT max(score) FROM kw) AS khi),
    fused AS (
      SELECT coalesce(s.chunk, k."chunkId") AS id, s.rank AS srank, s.sim, k.rank AS krank, k.score AS kscore,
             ${opts.method === 'rrf' ? rrf : weighted} AS fused
      FROM sem s FULL JOIN kw k ON k."chunkId" = s.chunk, st
    )
    SELECT ${CHUNK_ROW}, 0 AS score, f.fused, f.srank, f.sim, f.krank, f.kscore
    FROM fused f JOIN chunks c ON c.id = f.id JOIN document_index d ON d.id = c.document_id
    ORDER BY f.fused DESC, least(coalesce(f.srank, 1e18), coalesce(f.krank, 1e18)), coalesce(f.srank, 1e18), c.id`;
  const params = [projectId, ts, depth, perDoc, ...f.params, vector, fetch, opts.minSimilarity];
  const rows = await queryAtDepth<Out>(db, space.exact ? undefined : fetch, sql, params);
  return rows.map(({ fused, srank, sim, krank, kscore, ...r }) => ({
    row: toScoredRow(r),
    score: Number(fused),
    retriever: srank !== null && krank !== null ? 'both' : srank !== null ? 'semantic' : 'keyword',
    ...(srank !== null ? { semanticRank: Number(srank), similarity: Number(sim) } : {}),
    ...(krank !== null ? { keywordRank: Number(krank), keywordScore: Number(kscore) } : {}),
  }));
}
