/**
 * Durable memory as the engine and the hosts use it, whatever keeps it (storage/sqlite/memory.ts
 * today): versioned entries by namespace and key, soft delete, an audit of every write.
 */
import type {
  MemoryActor, MemoryAuditRecord, MemoryEntry, MemoryHit, MemoryListOptions, MemoryType, RememberOptions,
} from '../memory/types';

export interface MemoryStore {
  readonly readonly: boolean;
  /** Called after every write that changed something (views refresh from this). */
  onDidChange(listener: () => void): () => void;
  /** Writes a new version of (namespace, key); the earlier ones are kept. Type, metadata and TTL not given stay as the previous version had them. Returns the entry written. */
  remember(namespace: string, key: string, value: unknown, opts?: RememberOptions): Promise<MemoryEntry>;
  /** The latest version, unless it is forgotten or expired. */
  recall(namespace: string, key: string): Promise<MemoryEntry | undefined>;
  /** Live entries (latest versions) in a namespace and the namespaces below it ("" for all), by namespace then key. */
  list(prefix?: string, opts?: MemoryListOptions): Promise<MemoryEntry[]>;
  /** Namespaces with live entries, with how many each holds. */
  namespaces(prefix?: string): Promise<Array<{ namespace: string; entries: number }>>;
  /** Every version of a key, newest first (forgotten ones too). */
  history(namespace: string, key: string): Promise<MemoryEntry[]>;
  /** Writes `version`'s value again as a new version (also brings a forgotten entry back). */
  restore(namespace: string, key: string, version: number, actor?: MemoryActor): Promise<MemoryEntry>;
  /** Soft delete: the latest version is marked deleted; history and restore still have it. False when nothing live was there. */
  forget(namespace: string, key: string, actor?: MemoryActor): Promise<boolean>;
  /** Really deletes every version of a key (the audit keeps that it happened). Returns how many versions went. */
  purge(namespace: string, key: string, actor?: MemoryActor): Promise<number>;
  /** Marks episodic entries past their TTL deleted (audited as 'expire'); returns how many. */
  expire(now?: number): Promise<number>;
  /**
   * Live entries whose namespace (below its scope), key or text hold the query's words that say something
   * (all of them first; at least half when too few do), the last as a prefix when asked; best first (BM25).
   */
  search(query: string, opts?: { limit?: number; prefix?: string; type?: MemoryType; prefixLast?: boolean}): Promise<MemoryHit[]>;
  /** The audit, newest first: of one key, or of everything. */
  audit(opts?: { namespace?: string; key?: string; limit?: number }): Promise<MemoryAuditRecord[]>;
  /** How many live entries there are. */
  count(): Promise<number>;
  /** Live entries with no vector of `model` yet, newest first, with the text to embed. */
  missingVectors(model: string, limit?: number): Promise<Array<{ id: number; text: string }>>;
  /** Keeps vectors of `model` for entries missingVectors listed (one replaced meanwhile is skipped). */
  putVectors(model: string, items: Array<{ id: number; vector: Float32Array }>): Promise<void>;
  /** Live entries nearest to `query` in `model`'s space (cosine), best first. */
  nearest(model: string, query: Float32Array, opts?: { limit?: number; prefix?: string; type?: MemoryType; minSimilarity?: number }): Promise<Array<{ entry: MemoryEntry; similarity: number }>>;
}
