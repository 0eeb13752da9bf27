/**
 * Turns what a user typed into a safe FTS5 query. Nothing the user writes reaches FTS5 as syntax:
 * every word becomes a quoted string, "double-quoted phrases" stay phrases, and operators, stars,
 * minus signs, parentheses and colons are just punctuation.
 */
export interface KeywordQuery {
  /** Lower-cased words (for highlighting). */
  terms: string[];
  /** Every word/phrase must match. Empty when the text has no searchable word. */
  all: string;
  /** Each quoted word or phrase on its own (what `all` joins; keyword search also ORs them). */
  parts: string[];
}

const WORD = /[\p{L}\p{N}_]+/gu;

function quote(words: string[], prefix = false): string {
  return `"${words.join(' ')}"${prefix ? '*' : ''}`;
}

export function buildKeywordQuery(text: string, opts: { prefixLast?: boolean } = {}): KeywordQuery {
  const parts: string[][] = [];
  // Split on double quotes: odd segments are phrases (an unbalanced quote just ends the text).
  text
    .normalize('NFC')
    .split('"')
    .forEach((segment, i) => {
      const words = segment.match(WORD) ?? [];
      if (!words.length) return;
      if (i % 2 === 1) parts.push(words);
      else for (const w of words) parts.push([w]);
    });
  // A prefix from two characters on: one letter matches most of the index and says nothing yet.
  // While typing, a last word of one letter (the start of the next word: "more e") is left out
  // until it has two, when it becomes a prefix.
  const last = parts[parts.length - 1];
  if (opts.prefixLast && parts.length > 1 && last?.length === 1 && [...last[0]].length === 1 && /(?:^|[^\p{L}\p{N}_"])[\p{L}\p{N}_]$/u.test(text)) parts.pop();
  const terms = [...new Set(parts.flat().map((w) => w.toLowerCase()))];
  if (!parts.length) return { terms, all: '', parts: [] };
  const endsInWord = /[\p{L}\p{N}_]{2}$/u.test(text);
  const quoted = parts.map((p, i) => quote(p, !!opts.prefixLast && endsInWord && i === parts.length - 1 && p.length === 1));
  return { terms, all: quoted.join(' AND '), parts: quoted };
}
