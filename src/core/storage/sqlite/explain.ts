/**
 * Why a result ranks where it does: each query word's fields, IDF and share of the chunk's
 * BM25 score (asked of FTS5 itself, so the parts add up to the score search ranked by), its
 * keyword and semantic ranks, and how hybrid fused them. Computed only for the results shown,
 * only when asked: a few small queries per result and word.
 */
import type { Database, Statement } from 'better-sqlite3';
import { BM25_SQL, idf, indexTotals } from './bm25';
import type { TermExplanation } from '../../search/types';

const FIELDS = [
  ['title', '{title}'],
  ['heading', '{heading_path}'],
  ['body', '{text}'],
] as const;

export class KeywordExplainer {
  private readonly stmts = new Map<string, Statement>();
  /** Match counts of the parts explained while the index stays as it is (every result of a search asks for the same). */
  private counts = { key: '', of: new Map<string, number>() };

  constructor(private readonly db: Database) {}

  /** Each part's (quoted FTS5 word or phrase) share in the keyword score of one chunk. */
  terms(parts: string[], chunkId: number): TermExplanation[] {
    const totals = indexTotals(this.db);
    const rows = totals.rows;
    const key = `${rows}:${totals.avgTokens.join(',')}`;
    if (this.counts.key !== key || this.counts.of.size > 1000) this.counts = { key, of: new Map() };
    const count = (part: string) => {
      let n = this.counts.of.get(part);
      if (n === undefined) this.counts.of.set(part, (n = this.stmt('count', 'SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?').pluck().get(part) as number));
      return n;
    };
    // The rowid as a BigInt: numbers bind as doubles, and FTS5 ignores `rowid = ?` on a double
    // (and a range on doubles is checked row by row, after every match is listed).
    const rowid = BigInt(chunkId);
    const match = (expr: string) => this.stmt('match', 'SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid = ?').pluck().get(expr, rowid) !== undefined;
    return [...new Set(parts)].map((part) => {
      const matches = count(part);
      const stopword = matches * 2 > rows;
      const fields = FIELDS.filter(([, filter]) => match(`${filter} : (${part})`)).map(([name]) => name);
      const rank = fields.length
        ? (this.stmt('score', `SELECT ${BM25_SQL} FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid = ?`).pluck().get(part, rowid) as number | undefined)
        : undefined;
      return {
        term: part.replace(/"/g, ''),
        fields,
        matches,
        idf: idf(rows, matches),
        contribution: rank === undefined || stopword ? 0 : -rank,
        ...(stopword ? { stopword } : {}),
      };
    });
  }

  private stmt(key: string, sql: string): Statement {
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(sql)));
    return s;
  }
}
