import type { Database, Statement } from 'better-sqlite3';
import { pathGlobMatcher } from '../../search/pathGlob';
import { type CandidateLimits, CandidateSource, type PartStats } from './candidates';
import { type CoverageRow, TermContributions } from './coverage';
import { buildKeywordQuery, type KeywordQuery } from '../../search/query';
import { KeywordExplainer } from './explain';
import { type ChunkRow, type ScoredRow, toHit } from '../../search/hit';
import { CHUNK_ROWS, filterClauses } from './rows';
import type { SearchFilters, SearchHit, TermExplanation } from '../../search/types';

/** A candidate row: the hit's own fields, the chunk text (for the snippet) and the stamp (for freshness). */
type Row = ChunkRow & { rank: number; documentBonus?: number };

/**
 * The share of what a document's other chunks hold of the query, beyond its best chunk, added to
 * the best chunk's score. Tuned on rust-book known-item queries, seed 1: MRR@10 0.803 with the
 * former evidence (a quarter of the second-best chunk's score) -> 0.885 at 0.5 (0.871 at 0.75,
 * 0.867 at 0.25); held out, seed 2: 0.827 -> 0.922.
 */
export const COVERAGE_EVIDENCE = 0.5;

/**
 * Whole-document evidence with the best chunk: a document is ranked by its best chunk's score
 * plus COVERAGE_EVIDENCE x what its other chunks hold of the query's rare words beyond the best
 * one (per word, the most any of its chunks gets from that word, less what the best chunk gets:
 * coverage.ts; a rare word has at most the budget's 1,000 matches, so finding every chunk of the
 * candidate documents that holds one costs little, and the common words add little). So a document that holds between its passages words its best passage lacks (a
 * known item searched by words from all over it) outranks an equal passage that stands alone,
 * while a long document that repeats one word in many chunks gains nothing from that (a sum over
 * all of a document's chunks favoured long documents: MRR@10 0.54).
 * Returns each document's best perDoc chunks, documents in that order; a document's best chunk
 * carries the document's score and the bonus (the others their own scores).
 */
function withDocumentEvidence(rows: Row[], perDoc: number, evidence: { rows: Array<CoverageRow & { docId: number }>; contributions: Map<number, Map<string, number>> }): Row[] {
  const { contributions } = evidence;
  const holding = byDocument(evidence.rows);
  const docs = [...byDocument(rows).values()].map((list) => {
    let covered = 0;
    const all = holding.get(list[0].docId);
    if (all && contributions.size) {
      const best = contributions.get(list[0].chunkId);
      const most = new Map<string, number>();
      for (const { chunkId } of all) for (const [part, c] of contributions.get(chunkId) ?? []) most.set(part, Math.max(most.get(part) ?? 0, c));
      for (const [part, c] of most) covered += Math.max(0, c - (best?.get(part) ?? 0));
    }
    const bonus = COVERAGE_EVIDENCE * covered;
    return { list, bonus, rank: list[0].rank - bonus };
  });
  docs.sort((a, b) => a.rank - b.rank || a.list[0].rank - b.list[0].rank || a.list[0].chunkId - b.list[0].chunkId);
  return docs.flatMap((d) => d.list.slice(0, perDoc).map((r, i) => (i === 0 && d.bonus ? { ...r, rank: d.rank, documentBonus: d.bonus } : r)));
}

/** Rows grouped by document, in the order the documents first appear. */
function byDocument<T extends { docId: number }>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const list = out.get(r.docId);
    if (list) list.push(r);
    else out.set(r.docId, [r]);
  }
  return out;
}

/** Registers the SQL function lore_glob(pattern, path) used by path filters. */
export function registerSearchFunctions(db: Database): void {
  db.function('lore_glob', { deterministic: true }, (pattern, path) =>
    pathGlobMatcher(String(pattern))(String(path)) ? 1 : 0,
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
  private readonly terms: TermContributions;

  constructor(
    private readonly db: Database,
    limits?: CandidateLimits,
  ) {
    this.candidates = new CandidateSource(db, limits);
    this.explainer = new KeywordExplainer(db);
    this.terms = new TermContributions(db);
  }

  /** Each query word's fields, IDF and share of one chunk's score (see explain.ts). */
  explainTerms(text: string, chunkId: number, opts: { prefixLast?: boolean } = {}): TermExplanation[] {
    return this.explainer.terms(buildKeywordQuery(text, opts).parts, chunkId);
  }

  async search(text: string, k: number, filters: SearchFilters = {}, opts: { prefixLast?: boolean } = {}): Promise<SearchHit[]> {
    const q = buildKeywordQuery(text, opts);
    return (await this.ranked(q, k, filters)).map((r) => toHit(r, q.terms, r.score, 'keyword'));
  }

  /** What search() finds, in its order and with its scores, before snippets are cut (for a caller that shows only some). */
  rows(text: string, k: number, filters: SearchFilters = {}, opts: { prefixLast?: boolean } = {}): Promise<ScoredRow[]> {
    return this.ranked(buildKeywordQuery(text, opts), k, filters);
  }

  private async ranked(q: KeywordQuery, k: number, filters: SearchFilters): Promise<ScoredRow[]> {
    if (!q.all || k <= 0) return [];
    if (filters.pathGlob) pathGlobMatcher(filters.pathGlob); // a bad glob is the user's to fix: say so before searching
    const perDoc = Math.max(1, filters.perDocument ?? 1);
    const out = await this.collect(q.parts, k, perDoc, filters);
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
  private async collect(parts: string[], k: number, perDoc: number, filters: SearchFilters): Promise<Row[]> {
    const seen = new Set<number>();
    const rows: Row[] = [];
    const docs = new Set<number>();
    const { stmt: details, params: filterParams } = this.details(filters);
    const memo = new Map<string, PartStats>();
    for await (const page of this.candidates.pages(parts, Math.max(k * perDoc * 4, 40), memo)) {
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
    // Document evidence from the rare words (all their matches are listed cheaply: see
    // candidates.ts): every chunk of a candidate document that holds one, not only those in the pool.
    const rare = this.candidates.rareWords(parts, memo);
    // With one word (or phrase) in the query a document's best chunk is the one that gets the
    // most from it, so the evidence is 0: nothing to read. While a word is still being typed (a
    // prefix, search as you type) the list is provisional and must keep up with the keys: left out.
    const evident = rare.length && new Set(parts).size > 1 && !parts.some((p) => p.endsWith('*'));
    const holding = evident ? this.holdingRareWords(rows, rare) : [];
    const contributions = holding.length ? this.terms.of(rare, holding, (p) => memo.get(p)?.df) : new Map();
    return withDocumentEvidence(rows, perDoc, { rows: holding, contributions }).slice(0, k);
  }

  /** The chunks of the candidate documents of more than one chunk that hold any of `rare` (words of at most the budget's matches each). */
  private holdingRareWords(rows: Row[], rare: string[]): Array<CoverageRow & { docId: number }> {
    const docs = [...new Set(rows.map((r) => r.docId))];
    return this.cached('documentChunks', () => this.db.prepare(`SELECT c.id AS chunkId, c.document_id AS docId, d.title, c.heading_path AS headingPath, c.text
        FROM json_each(?) j CROSS JOIN document_index d ON d.id = j.value CROSS JOIN chunks c ON c.document_id = d.id
        WHERE d.chunk_count > 1 AND c.id IN (SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?)`))
      .all(JSON.stringify(docs), rare.join(' OR ')) as Array<CoverageRow & { docId: number }>;
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
