import * as vscode from 'vscode';
import type { MemoryHit } from '../core/memory/types';
import type { SearchOptions, SearchResponse } from '../core/search/types';
import type { MergedResult, MergedSearchResponse } from './loreAccess';

/**
 * One answer from each folder's index: the hits by score (best first, `k` in all) with their
 * folder and URI, the fallback reasons said once, partial counts summed, and the workspace's memories.
 */
export function mergeResponses(
  query: string,
  opts: SearchOptions,
  folders: vscode.WorkspaceFolder[],
  responses: SearchResponse[],
  memories: MemoryHit[],
): Omit<MergedSearchResponse, 'ms'> {
  const results: MergedResult[] = [];
  responses.forEach((r, i) => {
    const folder = folders[i];
    for (const hit of r.results) results.push({ ...hit, uri: vscode.Uri.joinPath(folder.uri, ...hit.path.split('/')), folder: folder.name });
  });
  if (folders.length > 1) results.sort((a, b) => b.score - a.score);
  const first = responses[0];
  const reasons = [...new Set(responses.map((r) => r.fallbackReason).filter(Boolean))];
  const parts = responses.map((r) => r.partial).filter((p) => !!p);
  const indexed = parts.reduce((n, p) => n + p.indexed, 0);
  const partial = !parts.length ? undefined : parts.every((p) => p.total !== undefined) ? { indexed, total: parts.reduce((n, p) => n + p.total!, 0) } : { indexed };
  return {
    query,
    results: results.slice(0, opts.k ?? 10),
    mode: first?.mode ?? 'keyword',
    requestedMode: first?.requestedMode ?? opts.mode ?? 'hybrid',
    fallbackReason: reasons.length ? reasons.join(' ') : undefined,
    ...(partial ? { partial } : {}),
    ...(memories.length ? { memories } : {}),
  };
}
