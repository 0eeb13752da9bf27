/** What `Lore.status()` reports, read from the storage and the engine's parts in one go. */
import type { EmbeddingPipeline } from './embed/pipeline';
import type { IndexProgress } from './index/reconcile';
import { readSkipped } from './index/skippedRecord';
import type { LoreStatus } from './lore';
import { documentTotal } from './storage/documents';
import type { Storage } from './storage/storage';
import { brokenLinks } from './related/broken';

export async function readStatus(storage: Storage, parts: { root: string; embedding: EmbeddingPipeline; indexing: IndexProgress | null; watching: boolean }): Promise<LoreStatus> {
  const [c, info, embedding, skipped, checkedAt, team, broken] = await Promise.all([
    storage.documents.counts(),
    storage.info(),
    parts.embedding.status(),
    readSkipped(storage.documents),
    storage.documents.meta('checkedAt'),
    storage.team?.(),
    brokenLinks(storage.links, parts.root, 0),
  ]);
  return {
    root: parts.root,
    dbPath: storage.location,
    userDataPath: storage.userDataLocation,
    schemaVersion: info.schemaVersion,
    documents: documentTotal(c),
    chunks: c.chunks,
    counts: c.byStatus,
    empty: c.empty,
    withWarnings: c.withWarnings,
    lastSyncedAt: Math.max(c.lastSyncedAt ?? 0, Number(checkedAt ?? 0)) || null,
    databaseBytes: info.bytes,
    vectorExtension: info.vectorExtension,
    indexing: parts.indexing,
    watching: parts.watching,
    skipped,
    brokenLinks: broken.count,
    ...(team ? { team } : {}),
    ...(storage.recovered ? { recovered: storage.recovered } : {}),
    ...embedding,
  };
}
