/**
 * The order an indexing run takes files in, so that what the user most likely wants is searchable
 * first: the files open in the editor, then the rest of their folders, then everything by likely
 * value (shallow paths, READMEs and docs/ADR/design folders, recently modified), translated copies
 * of the main tree last; ties alphabetical. Never the walk's own (reverse alphabetical) order.
 */
import { translationCopies } from '../translations';

export interface OrderHints {
  /** Workspace-relative files to index first (open editors); their folders come next. */
  first?: readonly string[];
  now?: number;
}

const KEY_NAMES = /^(readme|index|summary|overview|introduction|intro|getting[-_ ]started)\.(md|markdown|mdx)$/i;
const KEY_FOLDERS = /^(docs?|documentation|adrs?|decisions|design|designs|rfcs?|specs?|architecture|guides?)$/i;
const DAY = 24 * 60 * 60 * 1000;

function dirOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** `items` sorted for the user (a new array). `mtime` gives a file's modification time. */
export function orderForUser<T extends { rel: string }>(items: readonly T[], mtime: (rel: string) => number | undefined, hints: OrderHints = {}): T[] {
  const first = new Set(hints.first ?? []);
  const firstDirs = new Set([...first].map(dirOf));
  const now = hints.now ?? Date.now();
  const isCopy = translationCopies(items.map((i) => i.rel));
  const rank = (rel: string): [number, number] => {
    if (first.has(rel)) return [0, 0];
    const copy = isCopy(rel);
    const tier = firstDirs.has(dirOf(rel)) && !copy ? 1 : copy ? 3 : 2;
    const parts = rel.split('/');
    let value = parts.length * 2;
    if (KEY_NAMES.test(parts[parts.length - 1])) value -= 3;
    if (parts.slice(0, -1).some((p) => KEY_FOLDERS.test(p))) value -= 2;
    const age = now - (mtime(rel) ?? 0);
    if (age < 7 * DAY) value -= 3;
    else if (age < 30 * DAY) value -= 1.5;
    return [tier, value];
  };
  const keyed = items.map((item) => ({ item, r: rank(item.rel) }));
  keyed.sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || (a.item.rel < b.item.rel ? -1 : a.item.rel > b.item.rel ? 1 : 0));
  return keyed.map((k) => k.item);
}
