import type { Database, Statement } from 'better-sqlite3';
import { Turns } from '../../turns';
import { BM25_SQL, indexTotals, maxContribution } from './bm25';

/**
 * Ranked candidate chunks for a keyword query: every query word counts (OR), ranked exactly by
 * BM25 (bm25.ts), doing as little of FTS5's scoring as the answer allows.
 *
 * FTS5 scores every row a query matches before it can return the best few, about 0.75 µs a row
 * (more for long rows and long queries): 75 ms for a word in all of 100,000 chunks, while merely
 * listing the matches costs a fifteenth of that. So the top k are found MaxScore-style (Turtle
 * and Flood, 1995), with the same answer as scoring everything:
 *
 * - A word found in more than half of the chunks (a stopword: "the", "of") gets an IDF of 1e-6
 *   from FTS5's BM25, nothing against any other word. It is left out of the scoring; chunks
 *   matching only such words come last (title matches, heading matches, then the newest), their
 *   order among themselves being the one liberty taken with BM25, whose scores for them are ~0.
 * - The other parts are sorted rarest first. The rare prefix (together at most RARE_BUDGET
 *   matches) is scored over all its matches, on every part of the query: a chunk that also holds
 *   common words is scored again by `(rare) AND (common)`, which FTS5 scores only on the
 *   intersection, and a part a chunk lacks adds nothing, so these are the chunks' full scores.
 * - A chunk holding none of the rare parts scores at most the sum of the common parts' largest
 *   possible contributions (idf x (k1 + 1)). When the k-th best score so far is above that, no
 *   such chunk can enter the top k. Otherwise the common parts are ranked on their own (such a
 *   chunk holds no other) and the two lists merged.
 * - Only common words left: their matches are all scored (exhaustive), and that answer is kept
 *   until the index changes. They are scored a range of rows at a time (the same scores: BM25's
 *   statistics are the whole index's), giving the thread its turns between ranges: four words in
 *   most of 100,000 chunks held it for 120 ms in one piece.
 */
export interface Candidate {
  id: number;
  /** Lower is better (FTS5's bm25() convention: the negated score). */
  rank: number;
}

export interface PartStats {
  /** In more than half of the chunks: BM25 gives it no weight. */
  stop: boolean;
  /** Matches, counted up to the budget (undefined for phrases: counting one costs a full walk). */
  df?: number;
}

/** Rare words are ranked exactly over all their matches: together at most this many. */
const RARE_BUDGET = 1000;
/** With more common parts than this, one exhaustive pass instead of MaxScore's steps. */
const MAX_COMMON = 2;
/** Exhaustive rankings of common words kept until the index changes. */
const CACHE_SIZE = 64;
/** Matches sampled at each end of the index to tell whether a word is in most chunks. */
const SAMPLE = 64;
/** Chunks (about) per range an exhaustive ranking scores at a time. */
const SLICE_ROWS = 16_384;

/** A quoted phrase of two or more words (its matches cannot be counted cheaply). */
const isPhrase = (part: string) => part.includes(' ');
const or = (parts: string[]) => parts.map((p) => `(${p})`).join(' OR ');

const byRank = (a: Candidate, b: Candidate) => a.rank - b.rank || a.id - b.id;

export interface CandidateLimits {
  /** Matches of the rare words ranked exactly (default RARE_BUDGET). */
  exactCap?: number;
  /** Chunks per range of an exhaustive ranking (default SLICE_ROWS). */
  sliceRows?: number;
}

interface Best {
  /** The best `depth` candidates, in rank order. */
  list: Candidate[];
  /** Nothing beyond `list` matches. */
  exhausted: boolean;
}

export class CandidateSource {
  private readonly stmts = new Map<string, Statement>();
  private readonly cap: number;
  private readonly sliceRows: number;
  private readonly cache = new Map<string, { state: string; best: Best }>();

  constructor(
    private readonly db: Database,
    limits: CandidateLimits = {},
  ) {
    this.cap = limits.exactCap ?? RARE_BUDGET;
    this.sliceRows = limits.sliceRows ?? SLICE_ROWS;
  }

  /**
   * Candidates for `parts` (FTS5 strings: quoted words and phrases; a chunk matching any of them
   * matches), best first, in pages of about `pageSize`, deeper on demand. `memo` carries what was
   * learnt about each part between calls.
   */
  async *pages(parts: string[], pageSize: number, memo: Map<string, PartStats> = new Map()): AsyncGenerator<Candidate[]> {
    const rows = indexTotals(this.db).rows;
    const turns = new Turns();
    let given = 0;
    for (let depth = pageSize; ; depth *= 4) {
      const { list, exhausted } = await this.best([...new Set(parts)], depth, rows, memo, turns);
      if (list.length > given) yield list.slice(given);
      given = Math.max(given, list.length);
      if (exhausted || list.length < depth) return;
    }
  }

  /** Whether a part is a stopword (in more than half of the chunks), and its match count up to the budget. */
  stats(part: string, memo: Map<string, PartStats> = new Map()): PartStats {
    let s = memo.get(part);
    if (!s) {
      if (isPhrase(part)) s = { stop: false }; // a phrase in most chunks is rare; counting one costs a full walk
      else {
        const df = this.count(part, this.cap + 1);
        // Counted whole when within the budget; past it, sampled to tell a stopword.
        if (df <= this.cap) s = { stop: df * 2 > indexTotals(this.db).rows, df };
        // A prefix still being typed that matches more than the budget ("se"*) says little yet:
        // it ranks nothing (its chunks come last, title matches first) until it narrows.
        else if (part.endsWith('*') || this.isStopword(part)) s = { stop: true };
        else s = { stop: false, df };
      }
      memo.set(part, s);
    }
    return s;
  }

  /**
   * The single words among `parts` (not phrases, not prefixes) that are rare: within the budget's
   * matches, so all of them can be listed at little cost, and not stopwords.
   */
  rareWords(parts: string[], memo: Map<string, PartStats>): string[] {
    return [...new Set(parts)].filter((p) => {
      if (isPhrase(p) || p.endsWith('*')) return false;
      const s = this.stats(p, memo);
      return !s.stop && s.df !== undefined && s.df > 0 && s.df <= this.cap;
    });
  }

  /**
   * The best `depth` chunks for the OR of `parts` (see the class comment), leaving out chunks
   * that match `without` (already ranked by the caller).
   */
  private async best(parts: string[], depth: number, rows: number, memo: Map<string, PartStats>, turns: Turns, without?: string): Promise<Best> {
    const stats = parts.map((p) => this.stats(p, memo));
    const stop = parts.filter((_, i) => stats[i].stop);
    // Rarest first (phrases, uncounted, first of all): the order of their largest possible contributions.
    const ranked = parts
      .map((p, i) => ({ p, df: stats[i].df, stop: stats[i].stop }))
      .filter((x) => !x.stop)
      .sort((a, b) => (a.df ?? -1) - (b.df ?? -1));
    const not = (expr: string) => (without ? `(${expr}) NOT (${without})` : expr);
    if (!ranked.length) return this.unranked(or(stop), depth, 0, without);
    const rare = (x: { df?: number }) => (x.df ?? 0) <= this.cap;
    if (!rare(ranked[0])) return this.withStopwords(await this.exhaustiveWithout(or(ranked.map((x) => x.p)), depth, turns, without), stop, depth, without);

    // The rare prefix: the rarest parts, while their matches (all of which get scored) stay within the budget.
    let n = 0;
    for (let cum = 0; n < ranked.length && rare(ranked[n]); n++) {
      cum += ranked[n].df ?? 0;
      if (cum > this.cap && n > 0) break;
    }
    const prefix = or(ranked.slice(0, n).map((x) => x.p));
    const common = ranked.slice(n);
    // Many common parts (a sentence pasted as the query): their bound is rarely beaten, and the
    // steps below would score most matches anyway, each time on every part. One pass is cheaper.
    if (common.length > MAX_COMMON) return this.withStopwords(await this.exhaustiveWithout(or(ranked.map((x) => x.p)), depth, turns, without), stop, depth, without);
    if (!common.length) {
      const list = this.top(not(prefix), depth);
      return this.withStopwords({ list, exhausted: list.length < depth }, stop, depth, without);
    }
    // Full scores of the best chunks holding a rare part. `(rare) AND (common)` scores the chunks
    // that hold both on every part (a part a chunk lacks adds nothing). The rare parts alone score
    // the rest: a chunk there that also holds a common part but is not among the best of `both`
    // ranks below `depth` chunks that are, with its full score and so with this lower one too.
    const rest = or(common.map((x) => x.p));
    const both = this.top(not(`(${prefix}) AND (${rest})`), depth);
    const rareOnly = this.top(not(prefix), depth);
    const full = new Map(both.map((c) => [c.id, c.rank]));
    const found = [...both, ...rareOnly.filter((c) => !full.has(c.id))].sort(byRank).slice(0, depth);
    // MaxScore: a chunk holding only common parts scores at most the sum of their largest contributions
    // (their matches are counted up to the budget: a lower bound, so this is an upper one).
    const ceiling = common.reduce((sum, x) => sum + (x.df === undefined ? Infinity : maxContribution(rows, x.df)), 0);
    if (found.length >= depth && -found[depth - 1].rank > ceiling) return { list: found, exhausted: false };
    // Such chunks may enter: rank the common parts on the chunks without a rare part, and merge.
    const others = await this.best(common.map((x) => x.p), depth, rows, memo, turns, without ? `(${without}) OR (${prefix})` : prefix);
    const merged = [...found, ...others.list].sort(byRank);
    const exhausted = others.exhausted && both.length < depth && rareOnly.length < depth;
    return this.withStopwords({ list: merged.slice(0, depth), exhausted: exhausted && merged.length <= depth }, stop, depth, without);
  }

  /** The best `depth` matches of `expr`, ranked by BM25 (FTS5 scores every match, keeps the best). */
  private top(expr: string, depth: number): Candidate[] {
    return this.stmt('top', `SELECT rowid AS id, ${BM25_SQL} AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY 2, 1 LIMIT ?`).all(expr, depth) as Candidate[];
  }

  /** When the words with weight run out, chunks matching only stopwords fill the list (their scores are near zero). */
  private withStopwords(best: Best, stop: string[], depth: number, without?: string): Best {
    if (!stop.length || !best.exhausted || best.list.length >= depth) return best;
    const seen = new Set(best.list.map((c) => c.id));
    const rest = this.unranked(or(stop), depth + seen.size, 1, without);
    const fill = rest.list.filter((c) => !seen.has(c.id)).slice(0, depth - best.list.length);
    return { list: [...best.list, ...fill], exhausted: rest.exhausted };
  }

  private isStopword(part: string): boolean {
    if (isPhrase(part)) return false; // a phrase in most chunks is rare; sampling one costs a full walk
    const first = this.stmt('first', 'SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?').pluck().all(part, SAMPLE) as number[];
    if (first.length < SAMPLE) {
      // Few matches (all of them are here): a stopword only in a tiny index.
      const n = this.stmt('rowsUpTo', 'SELECT count(*) FROM (SELECT 1 FROM chunks LIMIT ?)').pluck().get(2 * first.length + 1) as number;
      return first.length > 0 && first.length * 2 > n;
    }
    const last = this.stmt('last', 'SELECT min(id) FROM (SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rowid DESC LIMIT ?)')
      .pluck().get(part, SAMPLE) as number;
    const lo = first[first.length - 1];
    if (last <= lo) {
      // The samples from both ends overlap (at most a few hundred matches): the exact fraction.
      const df = this.stmt('count', 'SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?').pluck().get(part) as number;
      return df * 2 > indexTotals(this.db).rows;
    }
    const limit = 2 * SAMPLE + 1;
    const below = this.stmt('below', 'SELECT count(*) FROM (SELECT 1 FROM chunks WHERE id <= ? LIMIT ?)').pluck().get(lo, limit) as number;
    const above = this.stmt('above', 'SELECT count(*) FROM (SELECT 1 FROM chunks WHERE id >= ? LIMIT ?)').pluck().get(last, limit) as number;
    // 2*SAMPLE matches among `below + above` chunks: more than half of them?
    return 2 * SAMPLE * 2 > below + above;
  }

  /**
   * The best `depth` matches of an expression whose words are all common, every match scored
   * (about 0.75 µs each: 15 ms for a word in 20,000 chunks). The answer is kept until the index
   * changes, so asking again (typing on, paging, the next search for the same word) costs nothing.
   */
  private async exhaustive(expr: string, depth: number, turns: Turns): Promise<Best> {
    const state = this.indexState();
    const hit = this.cache.get(expr);
    if (hit && hit.state === state && (hit.best.exhausted || hit.best.list.length >= depth)) {
      return { list: hit.best.list.slice(0, depth), exhausted: hit.best.exhausted && hit.best.list.length <= depth };
    }
    const list = await this.topInRanges(expr, depth, turns);
    // The index changed while the ranges were scored: the answer is not one state's to keep.
    if (this.indexState() !== state) return { list, exhausted: list.length < depth };
    const best = { list, exhausted: list.length < depth };
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(expr, { state, best });
    return best;
  }

  /**
   * top() a range of row ids at a time, merged: the same list (each match's score is the same in
   * any range, and the best `depth` of the whole are among the best `depth` of each range).
   */
  private async topInRanges(expr: string, depth: number, turns: Turns): Promise<Candidate[]> {
    const n = indexTotals(this.db).rows; // FTS5's own count (microseconds), not a count of every chunk
    if (n <= this.sliceRows) return this.top(expr, depth);
    const { lo, hi } = this.stmt('idRange', 'SELECT min(id) AS lo, max(id) AS hi FROM chunks').get() as { lo: number | null; hi: number | null };
    if (lo === null || hi === null) return this.top(expr, depth);
    const span = Math.max(1, Math.ceil(((hi - lo + 1) * this.sliceRows) / n));
    const range = this.stmt('topIn', `SELECT rowid AS id, ${BM25_SQL} AS rank FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid >= ? AND rowid < ? ORDER BY 2, 1 LIMIT ?`);
    let best: Candidate[] = [];
    for (let from = lo; from <= hi; from += span) {
      if (turns.due()) await turns.take();
      const part = range.all(expr, from, from + span, depth) as Candidate[];
      if (part.length) best = [...best, ...part].sort(byRank).slice(0, depth);
    }
    return best;
  }

  /**
   * exhaustive() of `expr` on the chunks that do not match `without` (the rare words, ranked by
   * the caller): the ranking of `expr` alone, kept until the index changes, less those chunks.
   * The same answer as ranking `(expr) NOT (without)` (a chunk without them scores the same on
   * either), but it stays cached while `without` changes: typing "more each lo", "lom", "lomo"
   * ranks "more" OR "each" once instead of at every key.
   */
  private async exhaustiveWithout(expr: string, depth: number, turns: Turns, without?: string): Promise<Best> {
    if (!without) return this.exhaustive(expr, depth, turns);
    const excluded = new Set(this.stmt('ids', 'SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?').pluck().all(without) as number[]);
    // Deep enough that the excluded chunks cannot leave fewer than `depth`; rounded up, so that the
    // next key's slightly different exclusions are answered from the same cached ranking.
    const deep = 2 ** Math.ceil(Math.log2(Math.max(1024, depth + excluded.size)));
    const all = await this.exhaustive(expr, deep, turns);
    const list = all.list.filter((c) => !excluded.has(c.id));
    return { list: list.slice(0, depth), exhausted: all.exhausted && list.length <= depth };
  }

  /** Changes whenever chunks are written: FTS5's row count and token totals, and the newest chunk id. */
  private indexState(): string {
    const block = this.stmt('averages', 'SELECT block FROM chunks_fts_data WHERE id = 1').pluck().get() as Buffer | undefined;
    const newest = this.stmt('newestChunk', 'SELECT max(id) FROM chunks').pluck().get() as number | null;
    return `${block?.toString('hex') ?? ''}:${newest ?? 0}`;
  }

  /** Stopword-only queries: title matches, heading matches, then the rest, newest first (no BM25 weight to rank by). */
  private unranked(expr: string, depth: number, tier = 0, without?: string): Best {
    const stmt = this.stmt('newest', 'SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rowid DESC LIMIT ?');
    const not = (e: string) => (without ? `(${e}) NOT (${without})` : e);
    const tiers = (tier === 0 ? [`{title} : (${expr})`, `{heading_path} : (${expr})`, expr] : [expr]).map(not);
    const out: Candidate[] = [];
    const seen = new Set<number>();
    for (const [i, e] of tiers.entries()) {
      const rank = -1e-6 / (tier + i + 1); // below any word's BM25 score; title tier first
      for (const id of stmt.pluck().all(e, depth + seen.size) as number[]) {
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ id, rank });
        if (out.length >= depth) return { list: out, exhausted: false };
      }
    }
    return { list: out, exhausted: true };
  }

  /** How many chunks match, counting at most `upTo`. */
  private count(expr: string, upTo: number): number {
    return this.stmt('countUpTo', 'SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)').pluck().get(expr, upTo) as number;
  }

  private stmt(key: string, sql: string): Statement {
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(sql)));
    return s;
  }
}
