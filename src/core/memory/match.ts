/**
 * Which memories a query finds. Memories are short, so an entry counts when it holds at least half
 * of the query's words that say something: "how do I reset the staging database" finds "the
 * staging DB is reset nightly" (reset, staging of reset, staging, database) but not every entry
 * that holds "the". Filler words are left out of the query, and "half of the words" is asked of
 * FTS5 itself as an OR of ANDs ((a AND b) OR (a AND c) OR (b AND c) for three words), so only entries
 * that qualify are ranked: BM25 ranks every row a query matches, and an OR of common words matches
 * most of the table. The store asks for entries holding every word first, and for half of them
 * only when those are too few.
 */
import { buildKeywordQuery } from '../search/query';
import { makeSnippet, stem } from '../search/snippet';

/** Words a question is made of that say nothing about what it is after. */
const FILLER = new Set(
  ('a an the is are was were be been do does did i me my we our you your it its this that these those to of in on at for from by with ' +
    'and or not no how what when where why which who whom can could should would will shall may might must there here about into as ' +
    'so if then than any all some have has had get got use used using').split(' '),
);

/** More combinations than this: the query is an OR of its words, and coverage is checked on the rows. */
const MAX_COMBINATIONS = 20;

export interface MemoryMatch {
  /** Every word that says something (AND): the entries that hold the whole query. '' when the text has no word. */
  all: string;
  /** At least half of them (an OR of ANDs, or of the words when that would be too many combinations). */
  match: string;
  /** Whether an entry's text holds enough of the query (checked here only when the FTS5 query could not say); with its snippet when it does. */
  judge(text: string, shown: string, opts?: { covered?: boolean }): { snippet: string; highlights: [number, number][] } | undefined;
}

function combinations<T>(items: T[], k: number): T[][] {
  const out: T[][] = [];
  const walk = (start: number, picked: T[]) => {
    if (picked.length === k) return void out.push(picked);
    for (let i = start; i <= items.length - (k - picked.length); i++) walk(i + 1, [...picked, items[i]]);
  };
  walk(0, []);
  return out;
}

function count(n: number, k: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c;
}

const TOKEN = /[\p{L}\p{N}_]+/gu;

export function memoryMatch(query: string, opts: { prefixLast?: boolean } = {}): MemoryMatch {
  const q = buildKeywordQuery(query, { prefixLast: opts.prefixLast });
  const wordsOf = (part: string) => (part.toLowerCase().match(TOKEN) ?? []);
  const significant = q.parts.filter((p) => wordsOf(p).some((w) => !FILLER.has(w)));
  const parts = [...new Set(significant.length ? significant : q.parts)];
  const terms = [...new Set(parts.flatMap(wordsOf))];
  const need = Math.ceil(parts.length / 2);
  const exact = parts.length <= 1 || count(parts.length, need) <= MAX_COMBINATIONS;
  const match = !parts.length ? ''
    : exact ? combinations(parts, need).map((c) => (c.length === 1 ? c[0] : `(${c.join(' AND ')})`)).join(' OR ')
    : parts.join(' OR ');
  return {
    all: parts.join(' AND '),
    match,
    judge(text, shown, o = {}) {
      // Rows the all-words query matched hold every word; rows of an OR of the words are counted here,
      // word by word as FTS5 reads them (stemmed, accents folded), phrases by their words.
      if (!exact && !o.covered) {
        const stems = new Set([...text.matchAll(TOKEN)].map((m) => stem(m[0])));
        const held = parts.filter((p) => wordsOf(p).every((w) => stems.has(stem(w)))).length;
        if (held < need) return undefined;
      }
      const snippet = makeSnippet(shown || text, terms, 200);
      return { snippet: snippet.text, highlights: snippet.highlights };
    },
  };
}
