/** Keyword (BM25) search over chunks, as a backend implements it (storage/sqlite/keyword.ts). */
import type { ScoredRow } from '../search/hit';
import type { FieldWeights, SearchFilters, TermExplanation } from '../search/types';

export interface KeywordOptions {
  /** The last word matches as a prefix (search as you type). */
  prefixLast?: boolean;
}

export interface KeywordIndex {
  /** The field weights its ranking uses (shown by explain). */
  readonly fieldWeights: FieldWeights;
  /** The best chunks of the best `k` documents for `query` (user text: the backend escapes it), best first. */
  rows(query: string, k: number, filters?: SearchFilters, opts?: KeywordOptions): Promise<ScoredRow[]>;
  /** Each query word's fields, IDF and share of one chunk's score. */
  explainTerms(query: string, chunkId: number, opts?: KeywordOptions): Promise<TermExplanation[]>;
}
