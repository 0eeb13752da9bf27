/**
 * Memory beside the documents: what search() adds of the user's memories, and the expiry run at
 * open. Neither can fail what it is part of: a memory problem is logged and the rest carries on.
 *
 * Keyword always; when semantic search is live (and the search is not keyword-only), also the
 * memories nearest to the query in the same vector space as the documents, fused with the keyword
 * list by reciprocal rank (k = 60). Memories without a vector of that space are embedded first, a
 * batch at a time (as documents, in the query worker: memories are short and few).
 */
import { errorMessage } from '../errors';
import type { SemanticAvailability } from '../search/hybrid';
import { makeSnippet } from '../search/snippet';
import { buildKeywordQuery } from '../search/query';
import type { SearchOptions } from '../search/types';
import type { MemoryStore } from '../storage/memory';
import type { Logger } from '../types';
import { type MemoryHit, valueText } from './types';

/** How many memories a search shows unless asked otherwise. */
export const SEARCH_MEMORIES = 3;
/** Memories embedded in one search, at most (the rest in the next ones). */
export const EMBED_PER_SEARCH = 256;
/** Semantic memory hits below this cosine similarity are left out (as the documents' default). */
export const MEMORY_MIN_SIMILARITY = 0.25;
const RRF_K = 60;

export interface MemorySearchDeps {
  memory: MemoryStore;
  /** The documents' semantic availability (its space and embedder); absent: keyword only. */
  availability?: () => Promise<SemanticAvailability>;
  logger?: Logger;
}

function limitOf(opts: SearchOptions): number {
  return opts.memories === undefined || opts.memories === true ? SEARCH_MEMORIES : opts.memories === false ? 0 : Math.max(0, Math.floor(opts.memories));
}

export async function searchMemories(deps: MemorySearchDeps, query: string, opts: SearchOptions): Promise<MemoryHit[]> {
  const limit = limitOf(opts);
  if (!limit || !query.trim()) return [];
  try {
    const keyword = await deps.memory.search(query, { limit, prefixLast: opts.prefixLast });
    if (opts.mode === 'keyword' || !deps.availability) return keyword.map((h) => ({ ...h, retriever: 'keyword' }));
    const avail = await deps.availability();
    if (!avail.ok || !avail.embedDocuments) return keyword.map((h) => ({ ...h, retriever: 'keyword' }));
    const semantic = await nearestMemories(deps.memory, avail, query, limit * 2, opts.signal);
    return fuse(keyword, semantic, query, limit);
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    deps.logger?.warn(`memory search failed (documents were searched): ${errorMessage(err)}`);
    return [];
  }
}

async function nearestMemories(memory: MemoryStore, avail: Extract<SemanticAvailability, { ok: true }>, query: string, k: number, signal?: AbortSignal) {
  const missing = await memory.missingVectors(avail.model, EMBED_PER_SEARCH);
  for (let i = 0; i < missing.length; i += 32) {
    const batch = missing.slice(i, i + 32);
    const vectors = await avail.embedDocuments!(batch.map((m) => m.text), signal);
    await memory.putVectors(avail.model, batch.map((m, j) => ({ id: m.id, vector: vectors[j] })));
  }
  const vector = await avail.embedQuery(query, signal);
  return memory.nearest(avail.model, vector, { limit: k, minSimilarity: MEMORY_MIN_SIMILARITY });
}

function fuse(keyword: MemoryHit[], semantic: Array<{ entry: MemoryHit['entry']; similarity: number }>, query: string, limit: number): MemoryHit[] {
  const id = (e: MemoryHit['entry']) => `${e.namespace}\u0000${e.key}`;
  const fused = new Map<string, MemoryHit>();
  keyword.forEach((h, i) => fused.set(id(h.entry), { ...h, retriever: 'keyword', score: 1 / (RRF_K + i + 1) }));
  const terms = buildKeywordQuery(query).terms;
  semantic.forEach((s, i) => {
    const key = id(s.entry);
    const was = fused.get(key);
    const add = 1 / (RRF_K + i + 1);
    if (was) fused.set(key, { ...was, retriever: 'both', score: was.score + add, similarity: s.similarity });
    else {
      const snippet = makeSnippet(valueText(s.entry.value), terms, 200);
      fused.set(key, { source: 'memory', entry: s.entry, snippet: snippet.text, highlights: snippet.highlights, score: add, retriever: 'semantic', similarity: s.similarity });
    }
  });
  return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, limit);
}

export async function expireMemories(memory: MemoryStore, logger?: Logger): Promise<void> {
  try {
    await memory.expire(); // each one expired is in the audit
  } catch (err) {
    logger?.warn(`memory expiry failed: ${errorMessage(err)}`);
  }
}
