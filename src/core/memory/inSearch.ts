/**
 * Memory beside the documents: what search() adds of the user's memories, and the expiry run at
 * open. Neither can fail what it is part of: a memory problem is logged and the rest carries on.
 */
import { errorMessage } from '../errors';
import type { SearchOptions } from '../search/types';
import type { MemoryStore } from '../storage/memory';
import type { Logger } from '../types';
import type { MemoryHit } from './types';

/** How many memories a search shows unless asked otherwise. */
export const SEARCH_MEMORIES = 3;

export async function searchMemories(memory: MemoryStore, query: string, opts: SearchOptions, logger?: Logger): Promise<MemoryHit[]> {
  const limit = opts.memories === undefined || opts.memories === true ? SEARCH_MEMORIES : opts.memories === false ? 0 : Math.max(0, Math.floor(opts.memories));
  if (!limit || !query.trim()) return [];
  try {
    return await memory.search(query, { limit, prefixLast: opts.prefixLast });
  } catch (err) {
    logger?.warn(`memory search failed (documents were searched): ${errorMessage(err)}`);
    return [];
  }
}

export async function expireMemories(memory: MemoryStore, logger?: Logger): Promise<void> {
  try {
    await memory.expire(); // each one expired is in the audit
  } catch (err) {
    logger?.warn(`memory expiry failed: ${errorMessage(err)}`);
  }
}
