/**
 * Which memories a query finds. Memories are short, so the query is an OR of its words (ranked
 * by BM25), and an entry counts only when it holds at least half of the query's words that say
 * something: "how do I reset the staging database" finds "the staging DB is reset nightly"
 * (reset, staging of reset, staging, database) but not every entry that holds "the".
 */
import { buildKeywordQuery } from '../search/query';
import { makeSnippet, stem } from '../search/snippet';

/** Words a question is made of that say nothing about what it is after. */
const FILLER = new Set(
  ('a an the is are was were be been do does did i me my we our you your it its this that these those to of in on at for from by with ' +
    'and or not no how what when where why which who whom can could should would will shall may might must there here about into as ' +
    'so if then than any all some have has had get got use used using').split(' '),
);

const TOKEN = /[\p{L}\p{N}_]+/gu;

export interface MemoryMatch {
  /** The FTS5 query (every word quoted; '' when the text has no word). */
  match: string;
  /** Whether an entry's text holds enough of the query; with its snippet when it does. */
  judge(text: string, shown: string): { snippet: string; highlights: [number, number][] } | undefined;
}

export function memoryMatch(query: string, opts: { prefixLast?: boolean } = {}): MemoryMatch {
  const q = buildKeywordQuery(query, { prefixLast: opts.prefixLast });
  const significant = q.terms.filter((t) => !FILLER.has(t));
  const terms = significant.length ? significant : q.terms;
  const last = opts.prefixLast ? q.terms[q.terms.length - 1] : undefined;
  const need = Math.ceil(terms.length / 2);
  return {
    match: q.parts.join(' OR '),
    judge(text, shown) {
      const stems = new Set<string>();
      for (const m of text.matchAll(TOKEN)) stems.add(stem(m[0]));
      let held = 0;
      for (const t of terms) {
        const s = stem(t);
        if (stems.has(s) || (t === last && [...stems].some((x) => x.startsWith(s)))) held++;
      }
      if (held < need) return undefined;
      const snippet = makeSnippet(shown || text, terms, 200);
      return { snippet: snippet.text, highlights: snippet.highlights };
    },
  };
}
