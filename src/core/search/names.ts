/**
 * Names first: a query that is a document's file name (`tar`, `getting started` for
 * getting-started.md) or its title puts that document at the top of the list, and while the user
 * types, so does a name that starts with what is typed so far. The main tree's page comes before
 * its translated copies, a shallow path before a deep one.
 */
import { MARKDOWN_EXT } from '../markdown/docInfo';
import type { NameMatch, NameQuery } from '../storage/keyword';
import { translationKey } from '../translations';
import { type ScoredRow, toHit } from './hit';
import type { SearchHit } from './types';

/** The extensions a markdown file name may end with. */
const EXTENSIONS = ['.md', '.markdown', '.mdx'];
/** Names are looked up for short queries only: a sentence is nobody's file name. */
const MAX_NAME_CHARS = 120;

/** The names `text` is equal to (or starts, when `prefix`): undefined when it cannot be a name. */
export function nameQuery(text: string, prefix = false): NameQuery | undefined {
  const q = text.trim().replace(/\s+/g, ' ').toLowerCase();
  if (!q || q.length > MAX_NAME_CHARS || /[/\\]/.test(q)) return undefined;
  const bare = q.replace(MARKDOWN_EXT, '');
  const stems = [...new Set([bare, bare.replace(/ /g, '-'), bare.replace(/ /g, '_'), bare.replace(/ /g, '')])];
  const fileNames = stems.flatMap((s) => EXTENSIONS.map((e) => s + e));
  // While typing, one character starts too many names to say anything yet.
  return { fileNames, fileStems: stems, title: q, prefix: prefix && [...q].length >= 2 };
}

type Named = ScoredRow & { nameMatch: NameMatch };

/**
 * `hits` with the documents `named` moved (or added) to the top, at most `k` in all. Exact names
 * before prefixes, main tree before translations, then as the search ranked them, then shorter paths.
 */
export function namesFirst(hits: SearchHit[], named: Named[], terms: string[], k: number): SearchHit[] {
  if (!named.length) return hits;
  const rankOf = new Map(hits.map((h, i) => [h.docId, i]));
  // Each document's sort key, worked out once (not at every comparison).
  const keyed = named.map((n) => ({ n, key: [n.nameMatch.exact ? 0 : 1, translationKey(n.path).lang ? 1 : 0, rankOf.get(n.docId) ?? hits.length, n.path.split('/').length, n.path.length] }));
  const cmp = (a: number[], b: number[]) => a.reduce((d, x, i) => d || x - b[i], 0);
  const pinned = keyed.sort((a, b) => cmp(a.key, b.key) || (a.n.path < b.n.path ? -1 : 1)).slice(0, k).map((x) => x.n);
  const top = hits.length ? Math.max(...hits.map((h) => h.score)) : 0;
  const step = Math.max(Math.abs(top) * 1e-3, 1e-6);
  const moved = new Set<SearchHit>();
  const first = pinned.map((n, i) => {
    const existing = hits.find((h) => h.docId === n.docId);
    if (existing) moved.add(existing);
    // A hit the search found keeps its passage; a document found by name alone opens at its top.
    const hit = existing ? { ...existing } : toHit(n, terms, 0, 'keyword');
    hit.score = top + step * (pinned.length - i);
    hit.nameMatch = n.nameMatch;
    if (hit.explain) hit.explain = { ...hit.explain, summary: `first: the query ${n.nameMatch.exact ? 'is' : 'starts'} its ${n.nameMatch.field === 'file' ? 'file name' : 'title'}; ${hit.explain.summary}` };
    return hit;
  });
  return [...first, ...hits.filter((h) => !moved.has(h))].slice(0, k);
}
