/**
 * Why a result ranks where it does: each query word's fields, IDF and share of the chunk's
 * BM25 score (asked of FTS5 itself, so the parts add up to the score search ranked by), its
 * keyword and semantic ranks, and how hybrid fused them. Computed only for the results shown,
 * only when asked: a few small queries per result and word.
 */
import type { Database, Statement } from 'better-sqlite3';
import { BM25_SQL, FIELD_WEIGHTS, idf, indexTotals } from './bm25';
import type { Explanation, FusionMethod, TermExplanation } from './types';

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

const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));

/** Puts the parts together, with the one-line summary. */
export function explanation(parts: {
  keyword?: { rank: number; score: number; documentBonus?: number; terms: TermExplanation[] };
  semantic?: { rank: number; similarity: number };
  fusion?: { method: FusionMethod; score: number; semanticWeight?: number; agreement?: number };
}): Explanation {
  const said: string[] = [];
  if (parts.keyword) {
    const { rank, score, documentBonus, terms } = parts.keyword;
    const words = terms.map((t) =>
      t.stopword ? `"${t.term}" in most chunks (no weight)` : t.fields.length ? `"${t.term}" ${num(t.contribution)} (${t.fields.join('+')}, idf ${num(t.idf)})` : `"${t.term}" absent`,
    );
    const bonus = documentBonus ? ` (+${num(documentBonus)} for query words in the document's other passages)` : '';
    said.push(`keyword #${rank}, BM25 ${num(score)}${bonus}: ${words.join('; ')}`);
  }
  if (parts.semantic) said.push(`semantic #${parts.semantic.rank}, similarity ${num(parts.semantic.similarity)}`);
  if (parts.fusion) {
    const f = parts.fusion;
    const how =
      f.method === 'agreement'
        ? `agreement fusion (lists agree ${Math.round((f.agreement ?? 0) * 100)}%, semantic weight ${num(f.semanticWeight ?? 0)})`
        : f.method === 'rrf'
          ? 'reciprocal rank fusion (k=60)'
          : `weighted fusion (semantic ${num(f.semanticWeight ?? 0.7)})`;
    said.push(`${how} = ${num(f.score)}`);
    if (!parts.keyword) said.push('no keyword match');
    if (!parts.semantic) said.push('not among the semantic results');
  }
  return {
    ...(parts.keyword ? { keyword: { ...parts.keyword, weights: { ...FIELD_WEIGHTS } } } : {}),
    ...(parts.semantic ? { semantic: parts.semantic } : {}),
    ...(parts.fusion ? { fusion: parts.fusion } : {}),
    summary: said.join(' · '),
  };
}
