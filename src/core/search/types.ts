import type { MemoryHit } from '../memory/types';

export interface SearchFilters {
  /** Only these document types (adr, design, ...). */
  documentTypes?: string[];
  /** Only paths matching this glob (workspace-relative, e.g. "docs/adr/**"). */
  pathGlob?: string;
  /** At most this many chunks per document (default 1: one hit per document). */
  perDocument?: number;
  /** Only documents whose file was modified after this time (ms since the epoch). */
  modifiedAfter?: number;
}

export type SearchMode = 'keyword' | 'semantic' | 'hybrid';
export type FusionMethod = 'agreement' | 'rrf' | 'weighted';

export interface SearchHit {
  chunkId: number;
  docId: number;
  path: string;
  title: string;
  documentType: string;
  /** "Guide > Install > Linux"; empty for text before the first heading. */
  headingPath: string;
  /** 1-based, inclusive: open the file here. */
  startLine: number;
  endLine: number;
  snippet: string;
  /** [start, end) offsets of matched words in `snippet`. */
  highlights: [number, number][];
  /** Higher is better; comparable only within one result list. */
  score: number;
  retriever: 'keyword' | 'semantic' | 'both';
  /** Size and mtime the file had when indexed (for the freshness check). */
  indexed: { size: number; mtime: number };
  /** Keyword: what the document's other chunks added to this one's score (whole-document evidence: query words they hold that this one lacks). */
  documentBonus?: number;
  /** Why it ranks where it does (only when the search asked for `explain`). */
  explain?: Explanation;
  /** Ranked first because the query is (or, while typing, starts) its file name or title. */
  nameMatch?: { field: 'file' | 'title'; exact: boolean };
  /** The same page in other languages, found too and shown as this one result ("also in 12 languages"). */
  translations?: { languages: string[]; paths: string[] };
}

/** One query word's (or phrase's) part in a keyword score. */
export interface TermExplanation {
  /** As the query gave it (a phrase keeps its words). */
  term: string;
  /** The fields of this chunk it was found in. */
  fields: Array<'title' | 'heading' | 'body'>;
  /** Chunks in the index holding it, and the IDF BM25 gives it. */
  matches: number;
  idf: number;
  /** What it adds to this chunk's keyword score (0 when the chunk lacks it). */
  contribution: number;
  /** In more than half of the chunks: BM25 gives it no weight, and search leaves it out. */
  stopword?: boolean;
}

/** Why a result ranks where it does. */
export interface Explanation {
  /** Its place (1-based) and score in the keyword list, and each query word's part in that score. */
  keyword?: {
    rank: number;
    /** The keyword score: this chunk's BM25 (the terms' contributions) plus `documentBonus`. */
    score: number;
    /** Added for what the document's other matching chunks hold of the query beyond this one (whole-document evidence). */
    documentBonus?: number;
    weights: FieldWeights;
    terms: TermExplanation[];
  };
  /** Its place (1-based) in the semantic list and its cosine similarity to the query. */
  semantic?: { rank: number; similarity: number };
  /** How hybrid combined the two (agreement: the semantic weight used, from how much the lists agreed). */
  fusion?: { method: FusionMethod; score: number; semanticWeight?: number; agreement?: number };
  /** All of it in one line, for a tooltip or a terminal. */
  summary: string;
}

export interface SearchResult extends Omit<SearchHit, 'indexed' | 'documentBonus'> {
  /** The file on disk no longer matches what was indexed (changed or deleted since). */
  stale: boolean;
}

/** The weights of the link prior (search/linkPrior.ts). */
export interface LinkPriorWeights {
  /** Weight of ln(1 + documents linking to the hit's document); 0: inbound links do not count. */
  inbound: number;
  /** Boost of a document the current document (`fromPath`) links to; 0: none. */
  linked: number;
}

export interface SearchOptions extends SearchFilters {
  k?: number;
  /** Treat the last word as a prefix (search-as-you-type). */
  prefixLast?: boolean;
  /** Put documents whose file name or title is the query first (default true; the quality bench measures both). */
  names?: boolean;
  /** One result for a page and its translations (default true). */
  groupTranslations?: boolean;
  /** Retrieval to use (default hybrid; keyword when semantic search is unavailable, saying why). */
  mode?: SearchMode;
  /**
   * How hybrid fuses the two lists: `agreement` (default: scores combined, the semantic side
   * weighted by how much the lists agree), reciprocal rank fusion (k=60), or 0.7 semantic + 0.3 keyword scores.
   */
  fusion?: FusionMethod;
  /** Semantic hits below this cosine similarity are dropped (keyword hits fill the list); default 0.25. */
  minSimilarity?: number;
  /** Say why each result ranks where it does (`explain` on each result): a few extra queries per result. */
  explain?: boolean;
  /**
   * Link structure as a prior (search/linkPrior.ts): a document linked from many others, or from
   * `fromPath`, ranks slightly higher. true = the tuned weights (both), a number = the inbound
   * weight, or both weights; false = off. Default: the linked part only (acts with `fromPath`).
   */
  linkPrior?: boolean | number | Partial<LinkPriorWeights>;
  /**
   * The document the user is in (relative to the folder, or absolute; a path outside the folder is
   * ignored): the documents it links to rank slightly higher (unless `linkPrior` is false).
   */
  fromPath?: string;
  /** Memories that match too, in `memories` (default 3; 0 or false: none). */
  memories?: boolean | number;
  signal?: AbortSignal;
}

export interface SearchResponse {
  query: string;
  results: SearchResult[];
  /** The retrieval actually used, and why when it is not what was asked for. */
  mode: SearchMode;
  requestedMode: SearchMode;
  /** Why `mode` is not `requestedMode` (embedder down, model missing, vectors not built yet...). */
  fallbackReason?: string;
  /** Set while an indexing run is under way: the results come from the files indexed so far. */
  partial?: { indexed: number; /** What the runs will have indexed (unknown while one is still listing the files). */ total?: number };
  /** Durable memories the query matches (source 'memory'), best first, beside the documents' results. */
  memories?: MemoryHit[];
  ms: number;
}

/** How much a match counts in each field of a chunk (keyword search). */
export interface FieldWeights {
  title: number;
  heading: number;
  body: number;
}
