/** Shared shapes of the engine. Plain data only: no behaviour lives here. */

export type SyncStatus = 'pending' | 'synced' | 'failed' | 'stale';
export const SYNC_STATUSES: readonly SyncStatus[] = ['pending', 'synced', 'failed', 'stale'];

/** Kinds of document Lore recognises; anything else from front matter is kept as written. */
export const DOCUMENT_TYPES = ['adr', 'design', 'spec', 'plan', 'report', 'readme', 'changelog', 'note'] as const;

/** One heading-aware piece of a markdown file, with exact 1-based inclusive line numbers. */
export interface ParsedChunk {
  ordinal: number;
  /** "Guide > Install > Linux"; empty for text before the first heading. */
  headingPath: string;
  startLine: number;
  endLine: number;
  /** The source lines startLine..endLine, exactly as in the file. */
  text: string;
  /** SHA-256 (hex) of `text`. */
  contentHash: string;
}

export interface ParsedDocument {
  title: string;
  titleSource: 'frontmatter' | 'heading' | 'file';
  documentType: string;
  typeSource: 'frontmatter' | 'path';
  /** Front matter keys (YAML or TOML), JSON-safe. */
  metadata: Record<string, unknown>;
  /** Non-fatal problems, e.g. front matter that is not valid YAML. */
  warnings: string[];
  chunks: ParsedChunk[];
  /** Links to other files of the workspace (markdown, reference, wiki and image links), in source order. */
  links: ParsedLink[];
}

/** One link as the source writes it, before it is resolved to a document. */
export interface ParsedLink {
  /** 1-based line of the source where the link is. */
  line: number;
  kind: 'inline' | 'reference' | 'wikilink' | 'image';
  /** The path part as written, percent-decoded, without its #fragment ('' for a link within the document). */
  target: string;
  /** The #fragment (decoded, without '#'), or '' for none. */
  fragment: string;
  /** The link's text (alias for a wikilink, alt text for an image). */
  text: string;
  /** The source line the link is on, trimmed (at most 200 characters): what a backlink previews. */
  context: string;
}

export interface ChunkOptions {
  /** Soft size limit of one chunk in characters; long sections split at block boundaries under it. */
  maxChunkChars: number;
}

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { maxChunkChars: 1500 };

/** What a host gives the engine to report problems it carries on past. */
export interface Logger {
  warn(message: string): void;
}
