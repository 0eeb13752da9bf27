/**
 * The links between documents, as a backend keeps them: written with each document's chunks (in
 * the same transaction), each stored with the key of what it points at (links/resolve.ts), and
 * resolved when read against the documents the index holds then, so a link to a file that is
 * renamed, added or deleted is right at the next read without rewriting anything.
 */
import type { ParsedLink } from '../types';

/** A link as stored: where it is, what it says, and the key it reaches documents by. */
export interface StoredLink extends ParsedLink {
  /** The document the link is in. */
  sourcePath: string;
  sourceTitle: string;
  /** What it points at (links/resolve.ts linkKeys). */
  key: string;
}

/** A link from a document with the document it reaches, when one does. */
export interface ResolvedLink extends StoredLink {
  /** The document it reaches (the shortest path when a wikilink's name is several documents'). */
  targetPath?: string;
  targetTitle?: string;
}

export interface LinkIndex {
  /** The links written in `path`, in source order, each with the document it reaches. */
  from(path: string): Promise<ResolvedLink[]>;
  /** Links in other documents that reach `path` (by any of its keys), by source path and line, at most `limit`. */
  to(path: string, limit: number): Promise<StoredLink[]>;
  /** How many links reach `path` from other documents (as to() lists them) and how many it has (as from()). */
  counts(path: string): Promise<{ to: number; from: number }>;
  /** Links to documents the index does not hold: how many, and the first `limit` of them by path and line. */
  broken(limit: number): Promise<{ count: number; links: StoredLink[] }>;
  /**
   * The files that are not documents (images, PDFs: keys '=path') that links name by path, with how
   * many links name each, at most `limit` in key order. Left out: wikilink embeds (`![[x.png]]`, a
   * file anywhere) and links from the site's root (`/img/x.png`: a site generator's static folder,
   * or the repository's root, depending on who renders it); only links whose key is where the file must be.
   */
  fileTargets(limit: number): Promise<Array<{ key: string; links: number }>>;
  /** The links whose key is one of `keys`, by source path and line, at most `limit` (left out as by fileTargets). */
  linksWithKeys(keys: string[], limit: number): Promise<StoredLink[]>;
  /** How many other documents link to each of `paths` (missing: none). */
  inbound(paths: string[]): Promise<Map<string, number>>;
}
