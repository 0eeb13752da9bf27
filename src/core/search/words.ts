/**
 * Finding query words in text outside FTS5, shared by the snippet highlighter (snippet.ts) and
 * the document evidence (coverage.ts): diacritics folded as `remove_diacritics` folds them, and
 * the words that begin with one of a few stems found by one regular expression.
 */

/** Letters that may carry diacritics: Latin-1 Supplement to Latin Extended Additional (Greek and Cyrillic among them). */
export const MAY_CARRY_DIACRITICS = /[\u00c0-\u1eff]/;

/** Decomposed, combining marks dropped: "español" -> "espanol". */
export function withoutDiacritics(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The words (runs of `tokenChar`, a regex character class) that begin with one of `heads`, case
 * folded: a word can only stem to a stem that begins it, so these are the only words to stem.
 */
export function wordsBeginning(heads: string[], tokenChar: string): RegExp {
  return new RegExp(`(?<!${tokenChar})(?:${heads.map(escapeRegExp).join('|')})${tokenChar}*`, 'giu');
}
