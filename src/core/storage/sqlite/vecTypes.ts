/** Types shared by the vector store and its search and compaction helpers (kept apart so none of them imports another for a type). */

/** One semantic neighbour: cosine distance (1 - cosine similarity), smaller = closer. */
export interface VectorHit {
  chunkId: number;
  distance: number;
}

/** A row of vector_spaces: one model's vectors in their own table. */
export interface SpaceRow {
  id: number;
  model: string;
  dims: number;
  table: string;
  bits: number;
  version: number;
  active: number;
  createdAt: number;
  activatedAt: number | null;
}

/** What a write of vectors changed: the space's version before it, and the rows stored with their sign bits. */
export interface VectorsWritten {
  table: string;
  before: number;
  written: { id: number; bits?: Uint8Array }[];
}
