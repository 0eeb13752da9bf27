import type { Database, Statement } from 'better-sqlite3';

/**
 * Ranked candidate chunks for a keyword query, page by page, at a bounded cost.
 *
 * FTS5 computes BM25 for every row a query matches before it can return the best few, and for
 * each word it first walks the word's whole posting list to get its IDF. With 100,000 chunks a
 * common word matches tens of thousands of rows (20-150 ms). So:
 *
 * - A word or phrase found in more than half of the chunks (a stopword: "the", "of") gets an IDF
 *   of zero from FTS5's BM25 anyway. It is left out of the ranked expression (saving the walk) and
 *   checked on the candidates instead, so "all words required" still holds and the order is the
 *   same as BM25's.
 * - When the other words match at most EXACT_CAP chunks, they are ranked exactly by BM25 (title
 *   10x, heading path 4x, body 1x).
 * - When they match more, the title-and-heading tier comes first (chunks holding every word in
 *   their title or heading path, the requirement "title and heading matches rank above body
 *   matches"), then the body. A tier too large to rank whole is ranked in windows of WINDOW
 *   chunks (WINDOW / 4 for the title-and-heading tier), most recently indexed first: at most that
 *   many rows are scored per page.
 * - A query made only of stopwords has nothing for BM25 to weigh: title matches come first, then
 *   heading matches, then the rest, most recently indexed first.
 */
export interface Candidate {
  id: number;
  /** Lower is better (FTS5's bm25() convention: the negated score). */
  rank: number;
}

export interface PartStats {
  /** In more than half of the chunks: BM25 gives it no weight. */
  stop: boolean;
  /** Every matching chunk id, when there are fewer than SAMPLE. */
  few?: number[];
}

const BM25 = 'bm25(chunks_fts, 10.0, 4.0, 1.0)';
/** At most this many matches are ranked exactly. */
const EXACT_CAP = 1000;
/** Size of a ranked window when a tier has more matches than EXACT_CAP. */
const WINDOW = EXACT_CAP;
/** Matches sampled at each end of the index to tell whether a word is in most chunks. */
const SAMPLE = 64;

const TITLE_HEADING = '{title heading_path}';

/** A quoted phrase of two or more words (its matches cannot be counted cheaply). */
const isPhrase = (part: string) => part.includes(' ');

function* slices<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export interface CandidateLimits {
  /** At most this many matches are ranked exactly (default EXACT_CAP). */
  exactCap?: number;
  /** Window size for larger tiers (default WINDOW). */
  window?: number;
}

export class CandidateSource {
  private readonly stmts = new Map<string, Statement>();
  private readonly cap: number;
  private readonly win: number;

  constructor(
    private readonly db: Database,
    limits: CandidateLimits = {},
  ) {
    this.cap = limits.exactCap ?? EXACT_CAP;
    this.win = limits.window ?? WINDOW;
  }

  /**
   * Candidates for `parts` (FTS5 strings: quoted words and phrases) joined by AND or OR, in rank
   * order, in pages of about `pageSize`. A chunk may come twice (in two tiers); callers skip
   * repeats. `memo` carries what was learnt about each part from one call to the next (AND, then OR).
   */
  *pages(parts: string[], join: 'AND' | 'OR', pageSize: number, memo: Map<string, PartStats> = new Map()): Generator<Candidate[]> {
    const stats = parts.map((p) => this.stats(p, memo));
    const stop = parts.filter((_, i) => stats[i].stop);
    const ranked = parts.filter((_, i) => !stats[i].stop);
    if (!ranked.length) {
      yield* this.unranked(stop.join(` ${join} `), pageSize);
      return;
    }
    if (join === 'AND') {
      const must = stop.length ? stop.join(' AND ') : undefined;
      for (const page of this.rankedPages(ranked.join(' AND '), pageSize, ranked.some(isPhrase))) {
        const kept = must ? this.containing(must, page) : page;
        if (kept.length) yield kept;
      }
      return;
    }
    // OR: chunks matching the selective parts (few matches, high IDF) rank first, as BM25 would
    // put them; then the broad parts; then chunks matching only stopwords.
    const selective = ranked.filter((p) => isPhrase(p) || this.count(p, this.cap + 1, memo) <= this.cap);
    const broad = ranked.filter((p) => !selective.includes(p));
    if (selective.length) yield* this.rankedPages(selective.join(' OR '), pageSize, selective.some(isPhrase));
    if (broad.length) yield* this.rankedPages(broad.join(' OR '), pageSize);
    if (stop.length) yield* this.unranked(stop.join(' OR '), pageSize, 1);
  }

  /** Whether a part is a stopword (in more than half of the chunks), and its matches when they are few. */
  stats(part: string, memo: Map<string, PartStats> = new Map()): PartStats {
    let s = memo.get(part);
    if (!s) memo.set(part, (s = this.measure(part)));
    return s;
  }

  private measure(part: string): PartStats {
    if (isPhrase(part)) return { stop: false }; // a phrase in most chunks is rare; sampling one costs a full walk
    const first = this.stmt('first', 'SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?').pluck().all(part, SAMPLE) as number[];
    if (first.length < SAMPLE) {
      // Few matches (all of them are here): a stopword only in a tiny index.
      const n = this.stmt('rowsUpTo', 'SELECT count(*) FROM (SELECT 1 FROM chunks LIMIT ?)').pluck().get(2 * first.length + 1) as number;
      return { stop: first.length > 0 && first.length * 2 > n, few: first };
    }
    const last = this.stmt('last', 'SELECT min(id) FROM (SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rowid DESC LIMIT ?)')
      .pluck().get(part, SAMPLE) as number;
    const lo = first[first.length - 1];
    if (last <= lo) return { stop: this.smallIndexStopword(part) };
    const limit = 2 * SAMPLE + 1;
    const below = this.stmt('below', 'SELECT count(*) FROM (SELECT 1 FROM chunks WHERE id <= ? LIMIT ?)').pluck().get(lo, limit) as number;
    const above = this.stmt('above', 'SELECT count(*) FROM (SELECT 1 FROM chunks WHERE id >= ? LIMIT ?)').pluck().get(last, limit) as number;
    // 2*SAMPLE matches among `below + above` chunks: more than half of them?
    return { stop: 2 * SAMPLE * 2 > below + above };
  }

  /** Exact fraction when the samples from both ends overlap (an index of at most a few hundred matches). */
  private smallIndexStopword(part: string): boolean {
    const df = this.stmt('count', 'SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?').pluck().get(part) as number;
    const n = this.stmt('rows', 'SELECT count(*) FROM chunks').pluck().get() as number;
    return df * 2 > n;
  }

  /**
   * Ranked pages of one expression. Counting the matches first is cheap for words (FTS5 stops at
   * the limit) but not for a phrase of common words, which only the full walk can tell apart: a
   * phrase goes straight to ranking its newest EXACT_CAP matches, which is exact when there are fewer.
   */
  private *rankedPages(expr: string, pageSize: number, phrase = false): Generator<Candidate[]> {
    let newest: Candidate[] | undefined;
    if (!phrase) {
      if (this.count(expr, this.cap + 1) <= this.cap) {
        yield* this.exact(expr, pageSize);
        return;
      }
    } else {
      newest = this.window(expr, 0);
      if (newest.length < this.win) {
        yield* slices(newest, pageSize);
        return;
      }
    }
    const tier0 = `${TITLE_HEADING} : (${expr})`;
    // The title-and-heading tier of a common word is large but a page needs only a few documents
    // from it: its windows are a quarter of the size (a quarter of the scoring).
    if (!phrase && this.count(tier0, this.cap + 1) <= this.cap) yield* this.exact(tier0, pageSize);
    else yield* this.windows(tier0, pageSize, undefined, Math.max(1, Math.floor(this.win / 4)));
    yield* this.windows(expr, pageSize, newest);
  }

  /** Every match ranked by BM25, fetched deeper page by page. */
  private *exact(expr: string, pageSize: number): Generator<Candidate[]> {
    const stmt = this.stmt('exact', `SELECT rowid AS id, ${BM25} AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY 2 LIMIT ? OFFSET ?`);
    let offset = 0;
    for (let limit = pageSize; ; limit *= 4) {
      const page = stmt.all(expr, limit - offset, offset) as Candidate[];
      if (page.length) yield page;
      if (page.length < limit - offset) return;
      offset = limit;
    }
  }

  /** Matches in windows of WINDOW, newest first; each window ranked by BM25 and handed out in pages. */
  private *windows(expr: string, pageSize: number, first?: Candidate[], size = this.win): Generator<Candidate[]> {
    for (let offset = 0; ; offset += size) {
      const window = offset === 0 && first ? first : this.window(expr, offset, size);
      yield* slices(window, pageSize);
      if (window.length < size) return;
    }
  }

  /** The matches from the `offset`-th newest on, WINDOW of them, ranked by BM25 (only they are scored). */
  private window(expr: string, offset: number, size = this.win): Candidate[] {
    return this.stmt('window', `SELECT id, rank FROM (
        SELECT rowid AS id, ${BM25} AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?
      ) ORDER BY rank`).all(expr, size, offset) as Candidate[];
  }

  /** Stopword-only queries: title matches, heading matches, then the rest, newest first (no BM25). */
  private *unranked(expr: string, pageSize: number, tier = 0): Generator<Candidate[]> {
    const stmt = this.stmt('newest', 'SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?');
    const tiers = tier === 0 ? [`{title} : (${expr})`, `{heading_path} : (${expr})`, expr] : [expr];
    for (const [i, e] of tiers.entries()) {
      const rank = -1e-6 / (tier + i + 1); // below any word's BM25 score; title tier first
      let offset = 0;
      for (let limit = pageSize; ; limit *= 4) {
        const ids = stmt.pluck().all(e, limit - offset, offset) as number[];
        if (ids.length) yield ids.map((id) => ({ id, rank }));
        if (ids.length < limit - offset) break;
        offset = limit;
      }
    }
  }

  /** The candidates that also match `expr`, in their order. */
  private containing(expr: string, page: Candidate[]): Candidate[] {
    const ok = new Set(
      this.stmt('containing', 'SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))')
        .pluck().all(expr, JSON.stringify(page.map((c) => c.id))) as number[],
    );
    return page.filter((c) => ok.has(c.id));
  }

  /** How many chunks match, counting at most `upTo`. */
  private count(expr: string, upTo: number, memo?: Map<string, PartStats>): number {
    const few = memo?.get(expr)?.few;
    if (few) return few.length;
    return this.stmt('countUpTo', 'SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)').pluck().get(expr, upTo) as number;
  }

  private stmt(key: string, sql: string): Statement {
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(sql)));
    return s;
  }
}
