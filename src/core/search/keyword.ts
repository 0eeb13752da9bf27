import type { Database, Statement } from 'better-sqlite3';
import picomatch from 'picomatch';
import { LoreError } from '../errors';
import { type CandidateLimits, CandidateSource } from './candidates';
import { buildKeywordQuery, type KeywordQuery } from './query';
import { KeywordExplainer } from './explain';
import { CHUNK_ROWS, type ChunkRow, filterClauses, type ScoredRow, toHit } from './hit';
import type { SearchFilters, SearchHit, TermExplanation } from './types';

/** A candidate row: the hit's own fields, the chunk text (for the snippet) and the stamp (for freshness). */
type Row = ChunkRow & { rank: number; documentBonus?: number };

/**
 * A document's second-best matching chunk adds this share of its score to the best one's
 * (tuned on the rust-book known-item queries: MRR@10 0.780 -> 0.803; a sum over all of a
 * document's chunks instead favours long documents and fell to 0.54).
 */
export const DOCUMENT_EVIDENCE = 0.25;

/**
 * Whole-document evidence with the best chunk: a document is ranked by its best chunk's score
 * plus DOCUMENT_EVIDENCE x its second-best chunk's (among the candidates), so a document that
 * answers the query in more than one place outranks an equal passage that stands alone.
 * Returns each document's best perDoc chunks, documents in that order; a document's best chunk
 * carries the document's score and the bonus (the others their own scores).
 */
function withDocumentEvidence(rows: Row[], perDoc: number): Row[] {
  const byDoc = new Map<number, Row[]>();
  for (const r of rows) {
    const list = byDoc.get(r.docId);
    if (list) list.push(r);
    else byDoc.set(r.docId, [r]);
  }
  const docs = [...byDoc.values()].map((list) => {
    const bonus = -DOCUMENT_EVIDENCE * (list[1]?.rank ?? 0);
    return { list, bonus, rank: list[0].rank - bonus };
  });
  docs.sort((a, b) => a.rank - b.rank || a.list[0].rank - b.list[0].rank || a.list[0].chunkId - b.list[0].chunkId);
  return docs.flatMap((d) => d.list.slice(0, perDoc).map((r, i) => (i === 0 && d.bonus ? { ...r, rank: d.rank, documentBonus: d.bonus } : r)));
}

const globCache = new Map<string, picomatch.Matcher>();

function globMatcher(glob: string): picomatch.Matcher {
  let m = globCache.get(glob);
  if (!m) {
    try {
      m = picomatch(glob, { dot: true });
    } catch (err) {
      throw new LoreError('BAD_INPUT', `Invalid path glob "${glob}": ${(err as Error).message}`);
    }
    if (globCache.size > 100) globCache.clear();
    globCache.set(glob, m);
  }
  return m;
}

/** Registers the SQL function lore_glob(pattern, path) used by path filters. */
export function registerSearchFunctions(db: Database): void {
  db.function('lore_glob', { deterministic: true }, (pattern, path) =>
    globMatcher(String(pattern))(String(path)) ? 1 : 0,
  );
}

/**
 * BM25 keyword search over chunks: every query word counts, a chunk matching more of them (and
 * rarer ones) ranks higher. The top candidates come from FTS5 alone (CandidateSource: ranked at a
 * bounded cost), then filters and one-hit-per-document apply; when they leave too few, it fetches
 * deeper until the matches run out.
 */
export class KeywordSearch {
  private readonly stmts = new Map<string, Statement>();
  private readonly candidates: CandidateSource;
  private readonly explainer: KeywordExplainer;

  constructor(
    private readonly db: Database,
    limits?: CandidateLimits,
  ) {
    this.candidates = new CandidateSource(db, limits);
    this.explainer = new KeywordExplainer(db);
  }

  /** Each query word's fields, IDF and share of one chunk's score (see explain.ts). */
  explainTerms(text: string, chunkId: number, opts: { prefixLast?: boolean } = {}): TermExplanation[] {
    return this.explainer.terms(buildKeywordQuery(text, opts).parts, chunkId);
  }

  search(text: string, k: number, filters: SearchFilters = {}, opts: { prefixLast?: boolean } = {}): SearchHit[] {
    const q = buildKeywordQuery(text, opts);
    return this.ranked(q, k, filters).map((r) => toHit(r, q.terms, r.score, 'keyword'));
  }

  /** What search() finds, in its order and with its scores, before snippets are cut (for a caller that shows only some). */
  rows(text: string, k: number, filters: SearchFilters = {}, opts: { prefixLast?: boolean } = {}): ScoredRow[] {
    return this.ranked(buildKeywordQuery(text, opts), k, filters);
  }

  private ranked(q: KeywordQuery, k: number, filters: SearchFilters): ScoredRow[] {
    if (!q.all || k <= 0) return [];
    if (filters.pathGlob) globMatcher(filters.pathGlob); // a bad glob is the user's to fix: say so before searching
    const perDoc = Math.max(1, filters.perDocument ?? 1);
    const out = this.collect(q.parts, k, perDoc, filters);
    let previous = Infinity;
    return out.map((r) => {
      // The list's order is the answer (past the budget, headings before body: see candidates.ts),
      // so the score shown never rises down the list.
      const score = Math.min(-r.rank, previous === Infinity ? Infinity : previous * 0.999);
      previous = score;
      const { rank: _rank, ...row } = r;
      return { ...row, score };
    });
  }

  /**
   * The best chunks of the best k documents. Candidates come in rank order, page by page, with
   * their rows (filtered); whole pages are read, so that every chunk of the pool counts for its
   * document (withDocumentEvidence), until the pool holds k documents or the matches run out.
   */
  private collect(parts: string[], k: number, perDoc: number, filters: SearchFilters): Row[] {
    const seen = new Set<number>();
    const rows: Row[] = [];
    const docs = new Set<number>();
    const { stmt: details, params: filterParams } = this.details(filters);
    for (const page of this.candidates.pages(parts, Math.max(k * perDoc * 4, 40))) {
      const fresh = page.filter((c) => !seen.has(c.id));
      for (const c of fresh) seen.add(c.id);
      if (!fresh.length) continue;
      const byId = new Map((details.all(JSON.stringify(fresh.map((c) => c.id)), ...filterParams) as Row[]).map((r) => [r.chunkId, r]));
      for (const c of fresh) {
        const r = byId.get(c.id);
        if (!r) continue;
        rows.push({ ...r, rank: c.rank });
        docs.add(r.docId);
      }
      if (docs.size >= k) break;
    }
    return withDocumentEvidence(rows, perDoc).slice(0, k);
  }

  /** The rows of a list of chunk ids (a JSON array, the first parameter) that pass the filters. */
  private details(filters: SearchFilters): { stmt: Statement; params: unknown[] } {
    const { where, params } = filterClauses(filters);
    const sql = `${CHUNK_ROWS} WHERE ${['c.id IN (SELECT value FROM json_each(?))', ...where].join(' AND ')}`;
    return { stmt: this.cached(sql, () => this.db.prepare(sql)), params };
  }

  private cached(key: string, make: () => Statement): Statement {
    let stmt = this.stmts.get(key);
    if (!stmt) this.stmts.set(key, (stmt = make()));
    return stmt;
  }
}
