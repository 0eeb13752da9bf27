import { MAY_CARRY_DIACRITICS, withoutDiacritics, wordsBeginning } from './words';

/** A short passage of a chunk around the query's words, with the words' positions marked. */
export interface Snippet {
  text: string;
  /** [start, end) character offsets of matched words in `text`. */
  highlights: [number, number][];
}

const SUFFIXES = ['ations', 'ation', 'ingly', 'ings', 'ing', 'ions', 'ion', 'edly', 'ed', 'ies', 'es', 's', 'ly', 'ment', 'ments'];

/** A rough stem, close enough to FTS5's porter stemmer to find what it matched. */
export function stem(word: string): string {
  let w = (/[^\u0000-\u007f]/.test(word) ? withoutDiacritics(word) : word).toLowerCase();
  for (const s of SUFFIXES) {
    if (w.length - s.length >= 3 && w.endsWith(s)) {
      w = w.slice(0, -s.length);
      break;
    }
  }
  return w;
}

const TOKEN = /[\p{L}\p{N}_]+/gu;

/**
 * [start, end) of each word of `text` whose stem is one of `stems`, or begins with one of three
 * letters or more. Only words that begin with a stem can (a stem is a word less a suffix), so
 * those are found first by one regular expression instead of stemming every word; text with
 * letters that may carry diacritics ("Café" for "cafe") is read word by word.
 */
function matchedWords(text: string, stems: string[]): [number, number][] {
  const long = stems.filter((t) => t.length >= 3);
  const isHit = (word: string) => {
    const s = stem(word);
    return stems.includes(s) || long.some((t) => s.startsWith(t));
  };
  const hits: [number, number][] = [];
  if (!stems.length) return hits;
  const words = MAY_CARRY_DIACRITICS.test(text) ? TOKEN : wordsBeginning(stems, '[\\p{L}\\p{N}_]');
  const seen = new Map<string, boolean>(); // per distinct word: is it a match?
  for (const m of text.matchAll(words)) {
    let hit = seen.get(m[0]);
    if (hit === undefined) seen.set(m[0], (hit = isHit(m[0])));
    if (hit) hits.push([m.index!, m.index! + m[0].length]);
  }
  return hits;
}

/** Cuts a window of about `width` characters that holds the most query words, whitespace folded. */
export function makeSnippet(raw: string, terms: string[], width = 220): Snippet {
  // HTML comments and empty anchors carry no words to show (a chunk may open with `<!-- … -->`
  // and `<a id="…"></a>` that joined it from before its heading): left out of the passage.
  const folded = (t: string) => t.replace(/\s+/g, ' ').trim();
  const text = folded(raw.replace(/<!--[\s\S]*?(?:-->|$)|<a\s+(?:id|name)=["'][^"'<>]*["']\s*>\s*<\/a>/gi, ' ')) || folded(raw);
  const hits = matchedWords(text, [...new Set(terms.map(stem))]);
  if (text.length <= width) return { text, highlights: hits };
  // Slide over the hits: the window starting at hit i that covers the most hits wins.
  let best = 0;
  let bestCount = 0;
  for (let i = 0, j = 0; i < hits.length; i++) {
    while (j < hits.length && hits[j][1] - hits[i][0] <= width) j++;
    if (j - i > bestCount) [best, bestCount] = [i, j - i];
  }
  let start = hits.length ? Math.max(0, hits[best][0] - Math.floor(width / 4)) : 0;
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space !== -1 && space < (hits[best]?.[0] ?? start) ? space + 1 : start;
  }
  let end = Math.min(text.length, start + width);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > start + width / 2) end = space;
  }
  const prefix = start > 0 ? '… ' : '';
  const suffix = end < text.length ? ' …' : '';
  const shift = prefix.length - start;
  return {
    text: prefix + text.slice(start, end) + suffix,
    highlights: hits.filter(([a, b]) => a >= start && b <= end).map(([a, b]) => [a + shift, b + shift]),
  };
}
