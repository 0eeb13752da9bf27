/**
 * Keyword search of one project on PostgreSQL: the chunks' weighted tsvector (title A, heading path
 * B, body C) ranked by ts_rank with the same field weights as SQLite's BM25 (title 2, heading 0.5,
 * body 1, scaled), every query word counted (OR), the best chunks of the best documents; names
 * (file name or title equal to the query) looked up apart. User text never reaches SQL: the
 * tsquery is built from the words the query builder found (letters, digits, '_' only) and bound as
 * a parameter; a path glob becomes a regular expression (picomatch's) bound the same way.
 */
import type { ScoredRow } from '../../search/hit';
import { buildKeywordQuery } from '../../search/query';
import type { FieldWeights, SearchFilters, TermExplanation } from '../../search/types';
import type { KeywordIndex, KeywordOptions, NameMatch, NameQuery } from '../keyword';
import type { PgDatabase } from './connect';
import { CHUNK_ROW as ROW, filterSql, type PgChunkRow as Row, toScoredRow as toRow } from './rows';

const WEIGHTS: FieldWeights = { title: 2, heading: 0.5, body: 1 };
/** ts_rank's weights, in its order D, C, B, A (body is C, heading B, title A), scaled to at most 1. */
const TS_WEIGHTS = `{0, ${WEIGHTS.body / 2}, ${WEIGHTS.heading / 2}, ${WEIGHTS.title / 2}}`;

const WORD = /[\p{L}\p{N}_]+/gu;

/** The tsquery of the query's parts (quoted words and phrases), OR'd: "a b"* -> a <-> b:* */
export function tsQueryOf(parts: string[]): string {
  return parts
    .map((p) => {
      const words = p.toLowerCase().match(WORD) ?? [];
      if (!words.length) return '';
      const prefix = p.endsWith('*');
      const q = words.map((w, i) => (prefix && i === words.length - 1 ? `${w}:*` : w)).join(' <-> ');
      return words.length > 1 ? `(${q})` : q;
    })
    .filter(Boolean)
    .join(' | ');
}

/**
 * The keyword list as one SELECT (its own WITH), ranked: the best chunks of each document ($4 per
 * document), of the best $3 documents by their best chunk; $1 the project, $2 the tsquery, the
 * filters' SQL with its parameters from $5. Scores are float8, so the hybrid query (hybrid.ts) and
 * the keyword list fuse the same numbers.
 */
export function keywordListSql(filters: string): string {
  const rank = `ts_rank('${TS_WEIGHTS}', c.search, q.q)::float8`;
  return `WITH q AS (SELECT to_tsquery('english', $2) AS q),
      hits AS (
        SELECT ${ROW}, ${rank} AS score,
               row_number() OVER (PARTITION BY d.id ORDER BY ${rank} DESC, c.start_line) AS n
        FROM chunks c JOIN document_index d ON d.id = c.document_id, q
        WHERE d.project_id = $1 AND d.sync_status != 'failed' AND c.search @@ q.q ${filters}
      ),
      docs AS (SELECT "docId", max(score) AS best FROM hits GROUP BY "docId" ORDER BY best DESC, "docId" LIMIT $3)
      SELECT h.*, row_number() OVER (ORDER BY docs.best DESC, h."docId", h.score DESC, h."startLine") AS rank
      FROM hits h JOIN docs USING ("docId") WHERE h.n <= $4`;
}

export class PgKeywordIndex implements KeywordIndex {
  readonly fieldWeights = WEIGHTS;

  constructor(
    private readonly db: PgDatabase,
    private readonly projectId: number,
  ) {}

  async rows(query: string, k: number, filters: SearchFilters = {}, opts: KeywordOptions = {}): Promise<ScoredRow[]> {
    const q = buildKeywordQuery(query, opts);
    const ts = tsQueryOf(q.parts);
    if (!ts || k <= 0) return [];
    const perDoc = Math.max(1, filters.perDocument ?? 1);
    const f = filterSql(filters, 5);
    const r = await this.db.query<Row & { rank: string }>(`${keywordListSql(f.sql)} ORDER BY rank`, [this.projectId, ts, k, perDoc, ...f.params]);
    return r.rows.map(({ rank: _rank, ...row }) => toRow(row));
  }

  /** As SQLite's (storage/sqlite/names.ts): exact file names, the exact title, then (typing) prefixes of each; shortest path first in each. */
  async named(query: NameQuery, limit: number, filters: SearchFilters = {}): Promise<(ScoredRow & { nameMatch: NameMatch })[]> {
    if (limit <= 0) return [];
    const out = new Map<number, ScoredRow & { nameMatch: NameMatch }>();
    const file = `lower(regexp_replace(d.file_path, '^.*/', ''))`;
    const run = async (field: NameMatch['field'], cond: (expr: string) => string, arg: unknown, exact: boolean) => {
      const f = filterSql(filters, 4);
      const r = await this.db.query<Row>(`SELECT ${ROW}, 0 AS score FROM document_index d
          JOIN LATERAL (SELECT * FROM chunks WHERE document_id = d.id ORDER BY start_line, id LIMIT 1) c ON true
        WHERE d.project_id = $1 AND d.sync_status != 'failed' AND ${cond(field === 'file' ? file : 'lower(d.title)')} ${f.sql}
        ORDER BY length(d.file_path), d.file_path LIMIT $3`, [this.projectId, arg, limit, ...f.params]);
      for (const row of r.rows) {
        const hit = toRow(row);
        if (!out.has(hit.docId)) out.set(hit.docId, { ...hit, nameMatch: { field, exact } });
      }
    };
    // starts_with: no LIKE pattern is built from user text, and no collation decides what "starts" means.
    const starts = (expr: string) => `starts_with(${expr}, $2)`;
    if (query.fileNames.length) await run('file', (e) => `${e} = ANY($2::text[])`, query.fileNames, true);
    if (query.title) await run('title', (e) => `${e} = $2`, query.title, true);
    if (query.prefix) {
      for (const stem of query.fileStems) await run('file', starts, stem, false);
      if (query.title) await run('title', starts, query.title, false);
    }
    return [...out.values()].slice(0, limit);
  }

  async explainTerms(query: string, chunkId: number, opts: KeywordOptions = {}): Promise<TermExplanation[]> {
    const q = buildKeywordQuery(query, opts);
    const out: TermExplanation[] = [];
    const total = Number((await this.db.query<{ n: string }>('SELECT count(*) AS n FROM chunks c JOIN document_index d ON d.id = c.document_id WHERE d.project_id = $1', [this.projectId])).rows[0].n);
    for (const part of q.parts) {
      const ts = tsQueryOf([part]);
      const term = (part.match(WORD) ?? []).join(' ').toLowerCase();
      if (!ts) continue;
      const r = await this.db.query<{ title: boolean; heading: boolean; body: boolean; contribution: number; matches: string }>(`
        WITH q AS (SELECT to_tsquery('english', $3) AS q)
        SELECT to_tsvector('english', c.title) @@ q.q AS title, to_tsvector('english', c.heading_path) @@ q.q AS heading,
               to_tsvector('english', c.text) @@ q.q AS body, ts_rank('${TS_WEIGHTS}', c.search, q.q) AS contribution,
               (SELECT count(*) FROM chunks c2 JOIN document_index d2 ON d2.id = c2.document_id WHERE d2.project_id = $1 AND c2.search @@ q.q) AS matches
        FROM chunks c, q WHERE c.id = $2`, [this.projectId, chunkId, ts]);
      const row = r.rows[0];
      if (!row) continue;
      const matches = Number(row.matches);
      const fields = (['title', 'heading', 'body'] as const).filter((f) => row[f]);
      out.push({
        term, fields, matches, idf: Math.log(1 + (total - matches + 0.5) / (matches + 0.5)),
        contribution: fields.length ? Number(row.contribution) : 0,
        ...(matches > total / 2 ? { stopword: true } : {}),
      });
    }
    return out;
  }
}
