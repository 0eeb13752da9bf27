/**
 * The document index as the engine reads and writes it: one row per markdown file (hash, stamp,
 * sync status) with its chunks. A backend implements it (storage/sqlite/documents.ts).
 */
import { inferDocumentType, titleFromPath } from '../markdown/docInfo';
import type { ParsedDocument, SyncStatus } from '../types';

export interface FileState {
  path: string;
  status: SyncStatus;
  error: string | null;
  title: string;
  size: number;
  chunkCount: number;
  updatedAt: number;
  /** Failed for a reason that may clear by itself (disk full, busy, I/O): tried again by the next run. */
  retry?: true;
}

/** Every indexed document, whatever its status. */
export function documentTotal(c: Pick<DocumentCounts, 'byStatus'>): number {
  return Object.values(c.byStatus).reduce((a, b) => a + b, 0);
}

export interface DocumentCounts {
  byStatus: Record<SyncStatus, number>;
  chunks: number;
  /** Indexed documents with no searchable text (empty files). */
  empty: number;
  /** Indexed despite a problem (e.g. front matter that is not valid YAML). */
  withWarnings: number;
  lastSyncedAt: number | null;
}

/** What the indexer needs to know of a row to decide whether a file changed. */
export interface IndexedFile {
  id: number;
  path: string;
  size: number;
  mtime: number;
  hash: string;
  status: SyncStatus;
  titleSource: 'frontmatter' | 'heading' | 'file';
  typeSource: 'frontmatter' | 'path';
  /** Failed for a reason that may clear by itself: the next run tries it again. */
  retry: boolean;
}

export interface FileStamp {
  hash: string;
  size: number;
  mtime: number;
}

/** One change the indexer makes to the index. */
export type IndexWrite =
  /** Replaces a document and all its chunks. */
  | { kind: 'document'; path: string; stamp: FileStamp; doc: ParsedDocument; status: SyncStatus }
  /** A file that cannot be indexed, with the reason; its old chunks (if any) go. */
  | { kind: 'failure'; path: string; stamp: FileStamp; reason: string; retry?: boolean }
  /** The bytes did not change (only the timestamp did): keep everything, refresh size and mtime. */
  | { kind: 'touch'; file: IndexedFile; stamp: FileStamp; status: SyncStatus }
  /**
   * Same bytes, new path: chunks and vectors stay; a title or type taken from the path is derived
   * again; a row flagged stale (the watcher saw the old path go) gets `status`.
   */
  | { kind: 'rename'; file: IndexedFile; path: string; stamp: FileStamp; status: SyncStatus }
  /** The file is gone: the document, its chunks and their vectors go. */
  | { kind: 'delete'; file: IndexedFile };

/** A document as stored, with the chunks that overlap a line range. */
export interface StoredDocument {
  path: string;
  title: string;
  documentType: string;
  size: number;
  mtime: number;
  /** The last chunk's last line (0 for a document with no text). */
  lineCount: number;
  chunks: { startLine: number; endLine: number; text: string; id?: number; headingPath?: string }[];
}

export interface DocumentStore {
  /** A setting the index records about itself ('root', 'chunking'). */
  meta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  hasDocuments(): Promise<boolean>;
  counts(): Promise<DocumentCounts>;
  /** Files in path order, only those with `status` when given. */
  files(status: SyncStatus | undefined, limit: number): Promise<FileState[]>;
  /** Every row, for the indexer to compare with the disk. */
  indexedFiles(): Promise<IndexedFile[]>;
  /**
   * Applies the writes in one transaction: all of them or none (a document is complete or
   * absent after a crash at any point). `now` stamps every row written.
   */
  apply(writes: IndexWrite[], now?: number): Promise<void>;
  /** Whether an error thrown by apply() may clear by itself (disk full, busy, I/O): the files are then tried again. */
  isTransient(err: unknown): boolean;
  /** The files changed on disk after their rows were written: flagged until indexed again. Returns how many rows changed. */
  markStale(paths: string[]): Promise<number>;
  /**
   * A document that is not `failed`, with its chunks overlapping lines from..to (inclusive; a
   * `from` past the last line means the last line).
   */
  read(path: string, fromLine: number, toLine: number): Promise<StoredDocument | undefined>;
  /** Drops every document with its chunks and vectors (user data lives elsewhere). */
  dropAll(): Promise<void>;
}

/** A renamed file's title and type: what came from the old path is derived again from the new one; the rest stays. */
export function renamedTitleType(file: Pick<IndexedFile, 'titleSource' | 'typeSource'>, newPath: string, current: { title: string; type: string }): { title: string; type: string } {
  return {
    title: file.titleSource === 'file' ? titleFromPath(newPath) : current.title,
    type: file.typeSource === 'path' ? inferDocumentType(newPath) : current.type,
  };
}
