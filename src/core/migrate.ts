/**
 * Moving a folder's index to the other backend (`lore migrate --to postgres|sqlite`): the
 * embedding cache is copied first (vectors by model and chunk content hash, so nothing already
 * embedded is embedded again), then a full pass writes the folder's documents and chunks into the
 * target, whose embedding queue takes every vector from the copied cache. The user's own data
 * (session history, memory) is the local file beside the index on both backends: it stays where it is.
 */
import { LoreError } from './errors';
import type { Storage } from './storage/storage';

/** Chunk hashes are read this many documents at a time. */
const DOCS_PER_PAGE = 200;

export interface CacheCopy {
  /** Vectors copied, by model. */
  copied: Record<string, number>;
  /** Why none were (the target cannot hold vectors, say). */
  skipped?: string;
}

/** Copies the source's cached vectors of every chunk it indexes into the target's embedding cache. */
export async function copyEmbeddingCache(from: Storage, to: Storage, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<CacheCopy> {
  const spaces = await from.vectors.spaces();
  const copied: Record<string, number> = {};
  if (!spaces.length) return { copied };
  if (!to.vectors.available) return { copied, skipped: to.vectors.unavailableReason ?? 'the target cannot store vectors' };
  const files = await from.documents.indexedFiles();
  for (let i = 0; i < files.length; i += DOCS_PER_PAGE) {
    if (opts.signal?.aborted) throw new LoreError('ABORTED', `Cancelled after copying the cached vectors of ${i} of ${files.length} documents; run it again to finish (copies are idempotent).`);
    const chunks = await from.embeddingQueue.chunks(files.slice(i, i + DOCS_PER_PAGE).map((f) => f.id));
    const hashes = [...new Set(chunks.map((c) => c.hash))];
    for (const { model } of spaces) {
      const found = await from.vectors.cached(model, hashes);
      if (!found.size) continue;
      await to.vectors.cache(model, [...found].map(([contentHash, vector]) => ({ contentHash, vector })));
      copied[model] = (copied[model] ?? 0) + found.size;
    }
    opts.onProgress?.(Math.min(i + DOCS_PER_PAGE, files.length), files.length);
  }
  return { copied };
}
