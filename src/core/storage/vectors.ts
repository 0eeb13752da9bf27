/**
 * Vectors of chunks, one space per model, and the queue of documents waiting for them, as a
 * backend implements them (storage/sqlite/vectors.ts, embedQueue.ts).
 */
import type { ScoredRow } from '../search/hit';
import type { SearchFilters } from '../search/types';

export interface VectorSpace {
  model: string;
  dims: number;
  /** Vectors stored (chunks that still exist). */
  count: number;
  /** This space serves semantic search (the first space made is active; switch with activate). */
  active: boolean;
  createdAt: number;
  activatedAt: number | null;
}

export interface NearestOptions {
  signal?: AbortSignal;
  /** Cosine similarity below which a chunk is not returned. */
  minSimilarity?: number;
}

export interface ChunkVector {
  chunkId: number;
  vector: Float32Array;
  contentHash: string;
}

/** A chunk of a fused list made by the backend itself (VectorIndex.fused): its row, fused score and both lists' ranks. */
export interface FusedRow {
  row: ScoredRow;
  score: number;
  retriever: 'keyword' | 'semantic' | 'both';
  semanticRank?: number;
  similarity?: number;
  keywordRank?: number;
  keywordScore?: number;
}

export interface FusedOptions {
  method: 'rrf' | 'weighted';
  minSimilarity?: number;
  prefixLast?: boolean;
  signal?: AbortSignal;
}

export interface VectorIndex {
  /** Whether vectors can be stored and searched here; when not, `unavailableReason` says why. */
  readonly available: boolean;
  readonly unavailableReason?: string;
  spaces(): Promise<VectorSpace[]>;
  /** The space that serves semantic search, if any. */
  activeSpace(): Promise<{ model: string; dims: number } | undefined>;
  /** Creates the space for `model` (refusing other dimensions than its stored vectors have). */
  ensureSpace(model: string, dims: number): Promise<void>;
  activate(model: string): Promise<void>;
  dropSpace(model: string): Promise<void>;
  count(model: string): Promise<number>;
  /**
   * The chunks nearest to `vector` in `model`'s space that pass the filters (never starved by
   * them), at most `filters.perDocument` (default 1) per document, similarity as the score.
   */
  nearest(model: string, vector: Float32Array, k: number, filters?: SearchFilters, opts?: NearestOptions): Promise<ScoredRow[]>;
  /**
   * Optional (a server backend): the semantic list (as nearest), the keyword list (as the keyword
   * index's rows, `depth` documents) and their RRF or 0.7/0.3 fusion in one query, fused order
   * first, as search/fusion.ts would order them. Search uses it when present for those methods.
   */
  fused?(model: string, vector: Float32Array, query: string, depth: number, filters: SearchFilters, opts: FusedOptions): Promise<FusedRow[]>;
  /** Removes vectors of chunks deleted or rewritten since the last call (returns how many). */
  flushDeletes(): Promise<number>;
  /** Embedding cache: vectors by (model, chunk content hash), so unchanged text is never embedded twice. */
  cached(model: string, contentHashes: string[]): Promise<Map<string, Float32Array>>;
  cache(model: string, entries: { contentHash: string; vector: Float32Array }[]): Promise<void>;
}

/** A document waiting for vectors of the target model. */
export interface TodoDoc {
  id: number;
  hash: string;
  chunkCount: number;
  embeddingModel: string | null;
  status: 'pending' | 'synced';
}

export interface TodoChunk {
  id: number;
  docId: number;
  text: string;
  hash: string;
}

/**
 * The embedding queue: a document needs vectors of `model` when it is pending (text written, not
 * embedded) or synced by another model (a model switch in progress). It is kept with the
 * documents, so a restart resumes exactly where it stopped.
 */
export interface EmbeddingQueue {
  /** Up to `limit` documents waiting for `model`, leaving out `claimed` ones (taken by another worker). */
  todo(model: string, limit: number, claimed: ReadonlySet<number>): Promise<TodoDoc[]>;
  remaining(model: string): Promise<number>;
  /** Documents whose vectors of `model` are all stored, out of all that can have vectors. */
  coverage(model: string): Promise<{ done: number; total: number }>;
  chunks(docIds: number[]): Promise<TodoChunk[]>;
  /**
   * Stores vectors and marks documents embedded by `model` in one transaction, so a document
   * whose text changed meanwhile (another hash) is neither marked nor given its old text's vectors.
   */
  commit(model: string, vectors: ChunkVector[], docs: { id: number; hash: string }[]): Promise<void>;
  markFailed(doc: { id: number; hash: string }, reason: string): Promise<void>;
  /** Keyword only from now on: nothing waits for vectors any more. */
  settlePendingWithoutVectors(): Promise<number>;
}
