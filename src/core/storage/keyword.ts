/** Keyword (BM25) search over chunks, as a backend implements it (storage/sqlite/keyword.ts). */
import type { ScoredRow } from '../search/hit';
import type { FieldWeights, SearchFilters, TermExplanation } from '../search/types';

export interface KeywordOptions {
  /** The last word matches as a prefix (search as you type). */
  prefixLast?: boolean;
}

/** A query as names to look up (built by search/names.ts from user text; lowercased). */
export interface NameQuery {
  /** File names the query is equal to: `tar.md`, `getting-started.md`… */
  fileNames: string[];
  /** What a file name starts with while the user types (`prefix`). */
  fileStems: string[];
  /** The title the query is equal to ('' for none). */
  title: string;
  /** Also names that start with the query (search as you type). */
  prefix: boolean;
}

/** How a document's name matched: its file name or title, whole or as a prefix. */
export interface NameMatch {
  field: 'file' | 'title';
  exact: boolean;
}

export interface KeywordIndex {
  /** The field weights its ranking uses (shown by explain). */
  readonly fieldWeights: FieldWeights;
  /** The best chunks of the best `k` documents for `query` (user text: the backend escapes it), best first. */
  rows(query: string, k: number, filters?: SearchFilters, opts?: KeywordOptions): Promise<ScoredRow[]>;
  /** Documents whose file name or title is the query (each with its first chunk), shortest path first. */
  named(query: NameQuery, limit: number, filters?: SearchFilters): Promise<(ScoredRow & { nameMatch: NameMatch })[]>;
  /** Each query word's fields, IDF and share of one chunk's score. */
  explainTerms(query: string, chunkId: number, opts?: KeywordOptions): Promise<TermExplanation[]>;
}
