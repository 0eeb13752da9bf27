/** The chunk row both PostgreSQL retrievers return, and the search filters as SQL (bound parameters only). */
import type pg from 'pg';
import type { ScoredRow } from '../../search/hit';
import { filterTypes, pathGlobRegex } from '../../search/pathGlob';
import type { SearchFilters } from '../../search/types';
import type { PgDatabase } from './connect';

/** The columns of a ScoredRow from chunks `c` joined with document_index `d`. */
export const CHUNK_ROW = `c.id AS "chunkId", d.id AS "docId", d.file_path AS path, d.title, d.document_type AS "documentType",
  c.heading_path AS "headingPath", c.start_line AS "startLine", c.end_line AS "endLine", c.text, d.size, d.mtime`;

/** A row as pg returns it (BIGINTs as strings). */
export type PgChunkRow = Omit<ScoredRow, 'chunkId' | 'docId' | 'size' | 'mtime' | 'score'> & { chunkId: string; docId: string; size: string; mtime: string; score: number | string };

export const toScoredRow = (r: PgChunkRow): ScoredRow => ({ ...r, chunkId: Number(r.chunkId), docId: Number(r.docId), size: Number(r.size), mtime: Number(r.mtime), score: Number(r.score) });

/** The filters as SQL on the document `d`, their parameters numbered from `from`. */
export function filterSql(filters: SearchFilters, from: number): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const types = filterTypes(filters.documentTypes);
  if (types.length) {
    params.push(types);
    where.push(`d.document_type = ANY($${from + params.length - 1}::text[])`);
  }
  if (filters.pathGlob) {
    params.push(pathGlobRegex(filters.pathGlob));
    where.push(`d.file_path ~ $${from + params.length - 1}`);
  }
  if (filters.modifiedAfter !== undefined) {
    params.push(filters.modifiedAfter);
    where.push(`d.mtime > $${from + params.length - 1}`);
  }
  return { sql: where.map((w) => ` AND ${w}`).join(''), params };
}

/**
 * One statement, with HNSW's search list `efSearch` deep when given (SET LOCAL needs a transaction;
 * an exact scan needs neither).
 */
export async function queryAtDepth<R extends pg.QueryResultRow>(db: PgDatabase, efSearch: number | undefined, sql: string, params: unknown[]): Promise<R[]> {
  if (efSearch === undefined) return (await db.query<R>(sql, params)).rows;
  return db.transaction(async (c) => {
    await c.query(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.round(efSearch))}`);
    return (await c.query<R>(sql, params)).rows;
  });
}
