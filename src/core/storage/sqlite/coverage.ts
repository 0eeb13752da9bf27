/**
 * What each query word adds to a chunk's BM25 score, computed outside FTS5 from the chunk's text
 * (FTS5's bm25() gives only the sum). Used for document evidence: a document whose
 * passages between them hold more of the query than its best passage does (a known item searched
 * by words from all over it) ranks above one whose single passage matches as well.
 *
 * Exact where it counts: tokens are found as FTS5's unicode61 tokenizer finds them, their stems
 * are FTS5's own (stems.ts), row lengths come from FTS5's own record of them (chunks_fts_docsize),
 * and the formula and field weights are bm25.ts's; summed over the words, the contributions give
 * the chunk's FTS5 score (test/unit/coverage.test.ts checks it on SciFact). Phrases and prefixes
 * are left out (they count in the best chunk's score, not in the evidence).
 */
import type { Database, Statement } from 'better-sqlite3';
import { B, FIELD_WEIGHTS, idf, indexTotals, K1, varint } from './bm25';
import { Stemmer } from './stems';
import { MAY_CARRY_DIACRITICS, withoutDiacritics, wordsBeginning } from '../../search/words';

export interface CoverageRow {
  chunkId: number;
  title: string;
  headingPath: string;
  text: string;
}

/** A single quoted word: `"word"` (not a phrase, not a prefix). */
const SINGLE = /^"([^"\s]+)"$/;
const TOKEN_CHAR = '[\\p{L}\\p{N}\\p{Co}]';

/** Stems are facts about words, not about an index: one stemmer (and its cache) for the process. */
const stemmer = new Stemmer();

export class TermContributions {
  private readonly sizes: Statement;

  constructor(private readonly db: Database) {
    this.sizes = db.prepare('SELECT id, sz FROM chunks_fts_docsize WHERE id IN (SELECT value FROM json_each(?))');
  }

  /**
   * Per chunk, per part (the parts given as FTS5 strings), the part's share of the chunk's BM25
   * score; 0 where the chunk lacks it. `matches(part)` gives a part's match count (its IDF), or
   * undefined to leave the part out; stopwords (in more than half the chunks) are left out too.
   */
  of(parts: string[], rows: CoverageRow[], matches: (part: string) => number | undefined): Map<number, Map<string, number>> {
    const out = new Map<number, Map<string, number>>();
    const { rows: n, avgTokens } = indexTotals(this.db);
    const avg = avgTokens.reduce((a, b) => a + b, 0);
    const words = new Map<string, Array<{ part: string; idf: number }>>(); // stem -> its parts ("duplicated duplication": two)
    const wordOf = new Map<string, string>();
    for (const part of new Set(parts)) {
      const m = SINGLE.exec(part);
      if (!m) continue;
      const df = matches(part);
      if (df === undefined || df === 0 || df * 2 > n) continue;
      wordOf.set(part, m[1]);
    }
    if (!wordOf.size || !rows.length || !avg) return out;
    const stems = stemmer.stems(wordOf.values());
    for (const [part, word] of wordOf) {
      const stem = stems.get(word);
      if (!stem) continue;
      const list = words.get(stem) ?? [];
      list.push({ part, idf: idf(n, matches(part)!) });
      words.set(stem, list);
    }
    if (!words.size) return out;
    // A token can stem to s only if it begins with s less its last letter (Porter rewrites at most
    // the last letter of what it keeps: happy -> happi, hoping -> hope).
    const heads = [...new Set([...words.keys()].map((s) => (s.length > 1 ? s.slice(0, -1) : s)))];
    const candidate = wordsBeginning(heads, TOKEN_CHAR);
    const found = rows.map((r) => [r.title, r.headingPath, r.text].map((field) => [...folded(field).matchAll(candidate)].map((x) => x[0].toLowerCase())));
    const tokenStems = stemmer.stems(found.flat(2));
    const size = new Map((this.sizes.all(JSON.stringify(rows.map((r) => r.chunkId))) as Array<{ id: number; sz: Buffer }>).map((s) => [s.id, rowLength(s.sz)]));
    const weights = [FIELD_WEIGHTS.title, FIELD_WEIGHTS.heading, FIELD_WEIGHTS.body];
    rows.forEach((r, i) => {
      const freq = new Map<string, number>();
      found[i].forEach((tokens, col) => {
        for (const t of tokens) {
          const s = tokenStems.get(t);
          if (s && words.has(s)) freq.set(s, (freq.get(s) ?? 0) + weights[col]);
        }
      });
      if (!freq.size) return;
      const norm = K1 * (1 - B + (B * (size.get(r.chunkId) ?? avg)) / avg);
      const per = new Map<string, number>();
      for (const [s, f] of freq) for (const w of words.get(s)!) per.set(w.part, (w.idf * f * (K1 + 1)) / (f + norm));
      out.set(r.chunkId, per);
    });
    return out;
  }
}

/**
 * Diacritics removed (as the tokenizer does), so that "español" is found by its stem "espanol";
 * text without letters that can carry them (typographic quotes, CJK) is left as it is.
 */
function folded(text: string): string {
  return MAY_CARRY_DIACRITICS.test(text) ? withoutDiacritics(text) : text;
}

/** A row's length in tokens over all its columns (what FTS5's bm25() normalises by). */
function rowLength(sz: Buffer): number {
  let total = 0;
  for (let at = 0; at < sz.length; ) {
    const [v, next] = varint(sz, at);
    total += v;
    at = next;
  }
  return total;
}
