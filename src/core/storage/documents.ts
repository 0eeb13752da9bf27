/**
 * What the front door (service.ts) reads and writes of the document index besides indexing
 * itself: settings the index records, counts for status, the file list, and dropping everything
 * for a rebuild. A backend implements it (storage/sqlite/documents.ts today).
 */
import type { SyncStatus } from '../types';

export interface FileState {
  path: string;
  status: SyncStatus;
  error: string | null;
  title: string;
  size: number;
  chunkCount: number;
  updatedAt: number;
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

export interface DocumentCatalog {
  /** A setting the index records about itself ('root', 'chunking'). */
  meta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  hasDocuments(): boolean;
  counts(): DocumentCounts;
  /** Files in path order, only those with `status` when given. */
  files(status: SyncStatus | undefined, limit: number): FileState[];
  /** Drops every document with its chunks and vectors (user data lives elsewhere). */
  dropAll(): void;
}
