/**
 * Everything Lore keeps, behind one object a backend opens: the rebuildable index (documents,
 * keyword, vectors and the embedding queue) and the user's own data (session history, memory), which
 * nothing that rebuilds or recovers the index touches. storage/sqlite/storage.ts opens the SQLite
 * one; the engine (service.ts) sees only these interfaces.
 */
import type { DocumentStore } from './documents';
import type { KeywordIndex } from './keyword';
import type { LinkIndex } from './links';
import type { MemoryStore } from './memory';
import type { SessionStore } from './sessions';
import type { EmbeddingQueue, VectorIndex } from './vectors';

export interface ValidationProblem {
  check: string;
  message: string;
}

export interface ValidationReport {
  ok: boolean;
  problems: ValidationProblem[];
  checked: string[];
}

/** A damaged index file that was moved aside and replaced by a fresh one (rebuilt from the markdown). */
export interface Recovery {
  /** What was wrong, in the database's words. */
  reason: string;
  /** Where the damaged file went. */
  movedTo: string;
  at: number;
}

/** Both reports as one. */
export function mergeReports(...reports: ValidationReport[]): ValidationReport {
  const problems = reports.flatMap((r) => r.problems);
  return { ok: problems.length === 0, problems, checked: reports.flatMap((r) => r.checked) };
}

export interface StorageInfo {
  schemaVersion: number;
  /** Bytes the index takes (for SQLite: the file and its write-ahead log). */
  bytes: number;
  /** Whether vector search loaded; when not, `error` says why (keyword search still works). */
  vectorExtension: { loaded: boolean; version?: string; error?: string };
}

/** Which index answers a workspace that has a team index (PostgreSQL) configured, and why. */
export interface TeamStatus {
  /** The server, without the password. */
  server: string;
  project: string;
  /** The index in use now: the server's, or the local SQLite one while the server cannot be used. */
  using: 'postgres' | 'sqlite';
  state: 'connecting' | 'connected' | 'unreachable';
  /** Why the server is not in use. */
  reason?: string;
  /** Since when this state holds. */
  since: number;
  /** The local index (used while the server is unreachable). */
  local: string;
  health?: { reachable: boolean; latencyMs?: number; serverVersion?: string; pgvector?: string; error?: string };
}

export interface Storage {
  /** Where the index is (a file path; a URL for a server). */
  readonly location: string;
  /** Where the user's data is (':memory:' for an empty read-only stand-in). */
  readonly userDataLocation: string;
  readonly readonly: boolean;
  /** Set when the index was found damaged (at open, or later) and replaced by an empty one. */
  readonly recovered?: Recovery;
  readonly documents: DocumentStore;
  readonly keyword: KeywordIndex;
  readonly vectors: VectorIndex;
  readonly embeddingQueue: EmbeddingQueue;
  /** The links between documents (written with them). */
  readonly links: LinkIndex;
  readonly sessions: SessionStore;
  /** Durable memory (user data, beside the session history). */
  readonly memory: MemoryStore;
  info(): Promise<StorageInfo>;
  /** Set by an index several clients share (the team index): it records no folder of its own, each client has its own path. */
  readonly shared?: boolean;
  /** The team index's state, for a storage that has one. */
  team?(): Promise<TeamStatus>;
  /** Called when the index in use changes (the server went away, or is back): the engine then brings it up to date. */
  onChange?(listener: () => void): () => void;
  /** Tries an unreachable team index now. */
  reconnect?(): Promise<void>;
  /** Whether `err`, thrown by this storage, says its index file is damaged (rebuild it). */
  isDamage(err: unknown): boolean;
  /** The index's own consistency check, without blocking this thread where the backend can: the problems found ([] when sound). */
  check(): Promise<string[]>;
  /**
   * Sets the damaged index aside and puts an empty one in its place (to be rebuilt from the
   * markdown); the views above (documents, keyword, vectors, queue) reach the new one from now on.
   * User data is not touched. Refused (DB_OPEN) when read-only.
   */
  replaceDamaged(reason: string): Promise<Recovery>;
  /**
   * Consistent copies: the user's data always (to `to`, default a new file in the backups folder
   * beside it), the index too when `index` (beside the user data's copy). Returns where they went.
   */
  backup(opts?: { to?: string; index?: boolean }): Promise<{ userData: string; index?: string }>;
  /** Replaces the user's data with a backup of it; the data as it was is backed up first (returned). */
  restoreUserData(from: string): Promise<string>;
  /** Consistency checks of the index and the user's data (read-only: repairs nothing). */
  validate(): Promise<ValidationReport>;
  /** Closes the index, and the user's data when this storage opened it (closing twice is harmless). */
  close(): Promise<void>;
}
