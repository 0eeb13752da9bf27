import fs from 'node:fs';
import path from 'node:path';
import type { SearchHit, SearchResult } from './types';

/** Whether the file behind a hit still is what was indexed: a stat per result, no reading. */
export function markFreshness(root: string, hits: SearchHit[]): SearchResult[] {
  const seen = new Map<string, boolean>();
  return hits.map(({ indexed, ...hit }) => {
    let stale = seen.get(hit.path);
    if (stale === undefined) {
      const st = fs.statSync(path.join(root, hit.path), { throwIfNoEntry: false });
      stale = !st || st.size !== indexed.size || Math.trunc(st.mtimeMs) !== indexed.mtime;
      seen.set(hit.path, stale);
    }
    return { ...hit, stale };
  });
}
