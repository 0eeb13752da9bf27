/**
 * What the index records of the paths it had to leave out (kept with the index, so that any status,
 * another process's too, lists them with the reason). A full pass replaces the record; a run over
 * some paths (a watcher batch) replaces only the entries under them.
 */
import type { DocumentStore } from '../storage/documents';
import { MAX_SKIPPED_LISTED, type SkippedPath } from './files';
import { overlaps, type Scope } from './lanes';

export interface SkippedRecord {
  count: number;
  paths: SkippedPath[];
}

const KEY = 'skipped';

export async function readSkipped(docs: DocumentStore): Promise<SkippedRecord> {
  const stored = await docs.meta(KEY);
  return stored ? (JSON.parse(stored) as SkippedRecord) : { count: 0, paths: [] };
}

/** Records what a run over `scope` (undefined: the whole folder) skipped. */
export async function recordSkipped(docs: DocumentStore, scope: Scope, found: SkippedRecord): Promise<void> {
  let next = found;
  if (scope) {
    const before = await readSkipped(docs);
    const kept = before.paths.filter((p) => !overlaps(scope, [p.path]));
    if (!found.count && kept.length === before.paths.length) return; // nothing changes
    const paths = [...kept, ...found.paths].slice(0, MAX_SKIPPED_LISTED);
    next = { count: before.count - (before.paths.length - kept.length) + found.count, paths };
  }
  await docs.setMeta(KEY, JSON.stringify(next));
}
