import fs from 'node:fs';
import path from 'node:path';
import type { SearchHit, SearchResult } from './types';

/** Whether the file behind a hit still is what was indexed: a stat per result, no reading. */
export function markFreshness(root: string, hits: SearchHit[]): SearchResult[] {
  const seen = new Map<string, boolean>();
  return hits.map(({ indexed, documentBonus: _bonus, ...hit }) => {
    let stale = seen.get(hit.path);
    if (stale === undefined) {
      stale = isStale(root, hit.path, indexed);
      seen.set(hit.path, stale);
    }
    return { ...hit, stale };
  });
}

/** The file on disk is gone or no longer has the size and mtime it had when it was indexed. */
export function isStale(root: string, rel: string, indexed: { size: number; mtime: number }): boolean {
  const st = fs.statSync(path.join(root, rel), { throwIfNoEntry: false });
  return !st || st.size !== indexed.size || Math.trunc(st.mtimeMs) !== indexed.mtime;
}
