/**
 * What a full indexing pass records about the index: how it chunked (an index cut by another
 * chunker, or at another size, is cut again: every file parsed once more, unchanged text keeping
 * its vectors through the embedding cache), and when a pass last found it up to date.
 */
import { CHUNKER_VERSION } from '../markdown/chunk';
import type { DocumentStore } from '../storage/documents';

const CHUNKING = 'chunking';

/** How this engine chunks at this size ("3:1500"). */
export function chunkingOf(maxChunkChars: number): string {
  return `${CHUNKER_VERSION}:${maxChunkChars}`;
}

/** No full pass ever finished: the index was never filled. */
export async function neverIndexed(docs: Pick<DocumentStore, 'meta'>): Promise<boolean> {
  return (await docs.meta(CHUNKING)) === undefined;
}

/** The documents indexed were chunked otherwise: a full pass must cut every file again. */
export async function mustRechunk(docs: Pick<DocumentStore, 'meta' | 'hasDocuments'>, chunking: string): Promise<boolean> {
  return (await docs.meta(CHUNKING)) !== chunking && (await docs.hasDocuments());
}

/** A full pass finished: it chunked this way, and (even finding nothing to change) brought the index up to date now ("Last sync"). */
export async function recordFullPass(docs: Pick<DocumentStore, 'setMeta'>, chunking: string): Promise<void> {
  await docs.setMeta(CHUNKING, chunking);
  await docs.setMeta('checkedAt', String(Date.now()));
}
