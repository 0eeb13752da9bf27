/**
 * The order an indexing run takes files in, so that what the user most likely wants is searchable
 * first: the files open in the editor, then the rest of their folders, then everything by likely
 * value (shallow paths, READMEs and docs/ADR/design folders, recently modified), translated copies
 * of the main tree last; ties alphabetical. Never the walk's own (reverse alphabetical) order.
 */
import { translationCopies } from '../translations';
import { Turns } from '../turns';

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

/** Items sorted in one piece before the pieces are merged. */
const RUN = 2048;

/**
 * `items` sorted for the user (a new array). `mtime` gives a file's modification time. Async only
 * to yield while ranking tens of thousands of files: the thread it runs on is the editor's.
 */
export async function orderForUser<T extends { rel: string }>(items: readonly T[], mtime: (rel: string) => number | undefined, hints: OrderHints = {}): Promise<T[]> {
  const turns = new Turns();
  const first = new Set(hints.first ?? []);
  const firstDirs = new Set([...first].map(dirOf));
  const now = hints.now ?? Date.now();
  // Which folders are translated copies, from one path per folder (a big tree has far fewer folders than files).
  const dirs = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    if (turns.due()) await turns.take();
    dirs.add(dirOf(items[i].rel));
  }
  const isCopy = translationCopies([...dirs].map((d) => (d ? `${d}/-` : '-')));
  // What a file's folder says of it, worked out once per folder (a big tree has far fewer folders
  // than files): [tier, value from depth and key folders].
  const byDir = new Map<string, [number, number]>();
  const dirRank = (dir: string, rel: string): [number, number] => {
    let r = byDir.get(dir);
    if (!r) {
      const copy = isCopy(rel);
      const parts = dir ? dir.split('/') : [];
      const value = (parts.length + 1) * 2 - (parts.some((p) => KEY_FOLDERS.test(p)) ? 2 : 0);
      byDir.set(dir, (r = [firstDirs.has(dir) && !copy ? 1 : copy ? 3 : 2, value]));
    }
    return r;
  };
  const keyed: { item: T; tier: number; value: number }[] = [];
  const rank = (item: T) => {
    const rel = item.rel;
    if (first.has(rel)) return { item, tier: 0, value: 0 };
    const cut = rel.lastIndexOf('/');
    const [tier, base] = dirRank(cut < 0 ? '' : rel.slice(0, cut), rel);
    let value = base;
    if (KEY_NAMES.test(rel.slice(cut + 1))) value -= 3;
    const age = now - (mtime(rel) ?? 0);
    if (age < 7 * DAY) value -= 3;
    else if (age < 30 * DAY) value -= 1.5;
    return { item, tier, value };
  };
  for (let i = 0; i < items.length; i++) {
    if (turns.due()) await turns.take();
    keyed.push(rank(items[i]));
  }
  const sorted = await sortInTurns(turns, keyed, (a, b) => a.tier - b.tier || a.value - b.value || (a.item.rel < b.item.rel ? -1 : a.item.rel > b.item.rel ? 1 : 0));
  return sorted.map((k) => k.item);
}

/**
 * A stable sort that gives other work its turns: runs of RUN items are sorted, then merged
 * pairwise (one sort of 40,000 paths is ~40 ms that nothing else could use).
 */
export async function sortInTurns<T>(turns: Turns, items: T[], cmp: (a: T, b: T) => number): Promise<T[]> {
  let runs: T[][] = [];
  for (let i = 0; i < items.length; i += RUN) {
    if (turns.due()) await turns.take();
    runs.push(items.slice(i, i + RUN).sort(cmp));
  }
  let work = 0;
  while (runs.length > 1) {
    const next: T[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const a = runs[r];
      const b = runs[r + 1];
      if (!b) {
        next.push(a);
        continue;
      }
      const out: T[] = new Array(a.length + b.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < a.length && j < b.length) {
        out[k++] = cmp(b[j], a[i]) < 0 ? b[j++] : a[i++]; // ties keep a's (earlier) item first
        if (++work % 256 === 0 && turns.due()) await turns.take();
      }
      while (i < a.length) out[k++] = a[i++];
      while (j < b.length) out[k++] = b[j++];
      next.push(out);
    }
    runs = next;
  }
  return runs[0] ?? [];
}
