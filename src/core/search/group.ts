/**
 * One result for a page and its translations: hits whose paths differ only in a language folder
 * (`pages/common/tar.md`, `pages.zh/common/tar.md`, …) become one, the main tree's when it is among
 * them, saying which other languages have it ("also in 12 languages").
 */
import { translationKey } from '../translations';
import type { SearchHit } from './types';

export function groupTranslations(hits: SearchHit[]): { hits: SearchHit[]; grouped: number } {
  const keys = new Map(hits.map((h) => [h.path, translationKey(h.path)]));
  const langOf = (h: SearchHit) => keys.get(h.path)!.lang;
  const groups = new Map<string, SearchHit[]>();
  // A document's own passages (perDocument > 1) are never one another's translations: the n-th
  // passage of a page groups with the n-th of its translations.
  const nth = new Map<string, number>();
  for (const h of hits) {
    const n = nth.get(h.path) ?? 0;
    nth.set(h.path, n + 1);
    const key = `${keys.get(h.path)!.key}\u0000${n}`;
    const g = groups.get(key);
    if (g) g.push(h);
    else groups.set(key, [h]);
  }
  if (groups.size === hits.length) return { hits, grouped: 0 };
  const out: SearchHit[] = [];
  for (const g of groups.values()) {
    if (g.length === 1) {
      out.push(g[0]);
      continue;
    }
    // In the place of the group's best hit, the main tree's page (else the best) stands for all.
    const main = g.find((h) => !langOf(h)) ?? g[0];
    const others = g.filter((h) => h !== main);
    out.push({ ...main, score: g[0].score, translations: { languages: others.map((h) => langOf(h) ?? 'en'), paths: others.map((h) => h.path) } });
  }
  return { hits: out, grouped: hits.length - out.length };
}

/** "also in 3 languages (de, ro, zh)": what a result says of the translations it stands for. */
export function alsoIn(t: { languages: string[] }): string {
  const langs = [...new Set(t.languages)].sort();
  const named = langs.length <= 6 ? ` (${langs.join(', ')})` : '';
  return `also in ${langs.length} language${langs.length === 1 ? '' : 's'}${named}`;
}
