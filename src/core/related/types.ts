/** What belongs with the document (and section) in front of the user: similar passages and links both ways. */
import type { ParsedLink } from '../types';

export interface RelatedOptions {
  /** 1-based line in the document: the section holding it is the one compared (default: the whole document's first section). */
  line?: number;
  /** At most this many similar passages (default 10, at most 50). */
  limit?: number;
  /** At most this many links each way (default 100). */
  linkLimit?: number;
  signal?: AbortSignal;
}

/** A passage like the section: its place, and why it is here. */
export interface SimilarPassage {
  path: string;
  title: string;
  /** "Guide > Install > Linux"; '' for text before the first heading. */
  headingPath: string;
  startLine: number;
  endLine: number;
  /** Cosine similarity (semantic) or BM25 score (keyword): higher is closer, only comparable within one list. */
  score: number;
  /** A short plain preview of the passage. */
  snippet: string;
}

/**
 * A link from another document to this one: where it is (`line` in `path`), its text, the linking
 * line as the preview (`context`), the heading of this document it points at (`fragment`, '' for none).
 */
export interface Backlink extends Pick<ParsedLink, 'line' | 'kind' | 'text' | 'context' | 'fragment'> {
  /** The document the link is in. */
  path: string;
  title: string;
}

/** A link in this document (at `line`) to another file: `target` as written, without the #fragment. */
export interface OutgoingLink extends Pick<ParsedLink, 'line' | 'kind' | 'target' | 'fragment' | 'text' | 'context'> {
  /** The indexed document it reaches; absent when it reaches none. */
  path?: string;
  title?: string;
  /** The line to open: the heading the fragment names, else 1. */
  targetLine?: number;
  /**
   * 'document': reaches an indexed document (and its heading when it names one);
   * 'heading-missing': the document is there, the #fragment names no heading of it;
   * 'file': a file or folder on disk that is not an indexed document (an image; a folder without a README);
   * 'missing-file': a file that is not a document (an image, a PDF), not on disk;
   * 'outside': leaves the workspace (`../other-book/x.html`): not indexed here, so not known to be broken;
   * 'broken': reaches nothing (no such document, or no such file).
   */
  state: 'document' | 'heading-missing' | 'file' | 'missing-file' | 'outside' | 'broken';
}

export interface RelatedSection {
  headingPath: string;
  startLine: number;
  endLine: number;
}

export interface RelatedResult {
  /** The document, workspace-relative. */
  path: string;
  title: string;
  /** The section compared (undefined for a document with no text). */
  section?: RelatedSection;
  similar: {
    /** How the list was made: by vectors (semantic search is live), by the section's distinctive words otherwise, or not at all. */
    method: 'semantic' | 'keyword' | 'none';
    /** Why this method (e.g. "semantic search is off: keyword matches on the section's distinctive words"). */
    reason: string;
    /** For semantic: the model whose vectors were compared. */
    model?: string;
    /** For keyword: the words the list was searched with. */
    terms?: string[];
    passages: SimilarPassage[];
  };
  linksTo: Backlink[];
  linksFrom: OutgoingLink[];
  /** How many links there are each way (the lists stop at `linkLimit`). */
  linksToTotal: number;
  linksFromTotal: number;
  /** How long it took (ms). */
  tookMs: number;
}

/** One document's links both ways (lore links). */
export interface DocumentLinks {
  path: string;
  title: string;
  linksTo: Backlink[];
  linksFrom: OutgoingLink[];
  /** How many links there are each way (the lists stop at `limit`). */
  linksToTotal: number;
  linksFromTotal: number;
}

/** Links that reach nothing, for Index Status and lore status. */
export interface BrokenLinks {
  count: number;
  links: Array<{
    path: string;
    line: number;
    target: string;
    text: string;
    context: string;
    /** What is not there: a document (no indexed document and nothing on disk by that name), or a file that is not a document (an image, a PDF). */
    missing: 'document' | 'file';
  }>;
}
