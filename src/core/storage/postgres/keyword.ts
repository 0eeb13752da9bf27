/**
 * Keyword search of one project on PostgreSQL: BM25 over the chunks' weighted words (title,
 * heading path, body; bm25.ts), the function and weights SQLite's FTS5 ranks with, every query
 * word counted (OR), the best chunks of the best documents; names
 * (file name or title equal to the query) looked up apart. User text never reaches SQL: the
 * tsquery is built from the words the query builder found (letters, digits, '_' only) and bound as
 * a parameter; a path glob becomes a regular expression (picomatch's) bound the same way.
 */
import type { ScoredRow } from '../../search/hit';
import { buildKeywordQuery } from '../../search/query';
import type { FieldWeights, SearchFilters, TermExplanation } from '../../search/types';
import { FIELD_WEIGHTS } from '../../search/bm25Params';
import type { KeywordIndex, KeywordOptions, NameMatch, NameQuery } from '../keyword';
import type { PgDatabase } from './connect';
import { BM25_CTES, bm25Query } from './bm25';
import { CHUNK_ROW as ROW, filterSql, type PgChunkRow as Row, toScoredRow as toRow } from './rows';

const WEIGHTS: FieldWeights = { ...FIELD_WEIGHTS };

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
 * document), of the best $3 documents by their best chunk; $1 the project, $2 the query (bm25Query),
 * the filters' SQL with its parameters from $5. Scores are float8, so the hybrid query (hybrid.ts)
 * and the keyword list fuse the same numbers.
 */
export function keywordListSql(filters: string): string {
  // Ranked from lore_terms and the documents alone; the chunks of the results only are read.
  return `WITH ${BM25_CTES},
      hits AS (
        SELECT k.chunk_id, k.doc, k.score, row_number() OVER (PARTITION BY k.doc ORDER BY k.score DESC, k.chunk_id) AS n
        FROM kwscore k JOIN document_index d ON d.id = k.doc
        WHERE d.sync_status != 'failed' ${filters}
      ),
      docs AS (SELECT doc, max(score) AS best FROM hits GROUP BY doc ORDER BY best DESC, doc LIMIT $3),
      top AS (
        SELECT h.chunk_id, h.score, row_number() OVER (ORDER BY docs.best DESC, h.doc, h.score DESC, h.chunk_id) AS rank
        FROM hits h JOIN docs USING (doc) WHERE h.n <= $4
      )
      SELECT ${ROW}, t.score, t.rank FROM top t JOIN chunks c ON c.id = t.chunk_id JOIN document_index d ON d.id = c.document_id`;
}

export class PgKeywordIndex implements KeywordIndex {
  readonly fieldWeights = WEIGHTS;

  constructor(
    private readonly db: PgDatabase,
    private readonly projectId: number,
  ) {}

  async rows(query: string, k: number, filters: SearchFilters = {}, opts: KeywordOptions = {}): Promise<ScoredRow[]> {
    const ts = bm25Query(buildKeywordQuery(query, opts).parts);
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

  /** Each part's fields in the chunk, its matches in the project, its IDF and its share of the chunk's BM25 score (as bm25.ts computes it). */
  async explainTerms(query: string, chunkId: number, opts: KeywordOptions = {}): Promise<TermExplanation[]> {
    const q = buildKeywordQuery(query, opts);
    const out: TermExplanation[] = [];
    for (const part of q.parts) {
      const spec = bm25Query([part]);
      const ts = tsQueryOf([part]);
      if (!spec || !ts) continue;
      const r = await this.db.query<{ title: boolean; heading: boolean; body: boolean; contribution: number | null; matches: number | null; n: number }>(`
        WITH ${BM25_CTES}, tq AS (SELECT to_tsquery('lore_english', $4) AS q)
        SELECT to_tsvector('lore_english', c.title) @@ tq.q AS title, to_tsvector('lore_english', c.heading_path) @@ tq.q AS heading,
               to_tsvector('lore_english', c.text) @@ tq.q AS body, (SELECT score FROM kwscore WHERE chunk_id = c.id) AS contribution,
               (SELECT df FROM kwdf) AS matches, (SELECT n FROM kwstats) AS n
        FROM chunks c, tq WHERE c.id = $3`, [this.projectId, spec, chunkId, ts]);
      const row = r.rows[0];
      if (!row) continue;
      const matches = Number(row.matches ?? 0);
      const total = Number(row.n);
      const fields = (['title', 'heading', 'body'] as const).filter((f) => row[f]);
      out.push({
        term: (part.match(WORD) ?? []).join(' ').toLowerCase(), fields, matches, idf: Math.log(1 + (total - matches + 0.5) / (matches + 0.5)),
        contribution: fields.length ? Number(row.contribution ?? 0) : 0,
        ...(matches > total / 2 ? { stopword: true } : {}),
      });
    }
    return out;
  }
}
