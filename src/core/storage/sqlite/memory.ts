import type { Database } from 'better-sqlite3';
import { UserDataStore, type UserDataStoreOptions } from './userDataStore';
import { LoreError } from '../../errors';
import { memoryMatch } from '../../memory/match';
import {
  checkKey, checkNamespace, checkPrefix, checkType, type MemoryActor, type MemoryAuditRecord, type MemoryEntry, type MemoryHit,
  type MemoryListOptions, type MemoryOperation, type MemoryType, type RememberOptions, valueJson, valueText,
} from '../../memory/types';
import { checkQueryText } from '../../search/input';
import type { MemoryStore } from '../memory';

interface EntryRow {
  id: number;
  namespace: string;
  key: string;
  value: string;
  type: MemoryType;
  version: number;
  deleted: number;
  metadata: string;
  createdBy: string;
  updatedBy: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
}

const COLUMNS = `m.id, m.namespace, m.key, m.value, m.memory_type AS type, m.version, m.is_deleted AS deleted, m.metadata,
  m.created_by AS createdBy, m.updated_by AS updatedBy, m.created_at AS createdAt, m.updated_at AS updatedAt, m.expires_at AS expiresAt`;

function toEntry(r: EntryRow): MemoryEntry {
  const e: MemoryEntry = {
    namespace: r.namespace, key: r.key, value: JSON.parse(r.value), type: r.type, version: r.version, deleted: !!r.deleted,
    metadata: JSON.parse(r.metadata), createdBy: r.createdBy, updatedBy: r.updatedBy, createdAt: r.createdAt, updatedAt: r.updatedAt,
  };
  if (r.expiresAt !== null) e.expiresAt = r.expiresAt;
  return e;
}

/**
 * What text search reads of an entry: its namespace's segments below the scope ("project:lore:deploy"
 * gives "lore deploy": "project" is in nearly every entry and says nothing), its key and its value's strings.
 */
const ftsText = (namespace: string, key: string, value: unknown) => `${namespace.split(':').slice(1).join(' ')} ${key} ${valueText(value)}`;


/**
 * A namespace prefix `p` as SQL on `m`: the namespace itself, or one below it, which sorts in
 * [p + ':', p + ';') (';' is the character after ':'); '' when there is no prefix. Its parameters: prefixParams(p).
 */
const prefixRange = (p: string) => (p ? 'AND (m.namespace = @p OR (m.namespace >= @from AND m.namespace < @to))' : '');
const prefixParams = (p: string) => ({ p, from: `${p}:`, to: `${p};` });

/**
 * Durable memory in the user-data database. Every write is one IMMEDIATE transaction: the new
 * version, the flag that says which version is the latest, the text index and the audit change
 * together, and a second writer (another window, the CLI) waits instead of failing.
 */
export class SqliteMemoryStore extends UserDataStore implements MemoryStore {
  /** The live entries' vectors per model, read once and dropped when memory changes (here, or in another process: data_version). */
  private readonly vectorCache = new Map<string, { dataVersion: number; rows: Array<{ id: number; vector: Float32Array }> }>();
  /** Models whose live entries all had vectors at this data_version: a search asks the table again only after a write. */
  private readonly vectorsComplete = new Map<string, number>();

  constructor(db: Database, clock: () => number = Date.now, opts: UserDataStoreOptions = {}) {
    super(db, clock, opts, 'Memory');
  }

  /** Writes the text index again from the live entries (after a restore from a backup: ids there are not this file's). */
  rebuildTextIndex(): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM memory_fts').run();
      const insert = this.stmt('ftsInsert', 'INSERT INTO memory_fts (rowid, text) VALUES (?, ?)');
      for (const r of this.db.prepare('SELECT id, namespace, key, value FROM memory_entries WHERE is_latest = 1 AND is_deleted = 0').all() as Array<{ id: number; namespace: string; key: string; value: string }>) {
        insert.run(r.id, ftsText(r.namespace, r.key, JSON.parse(r.value)));
      }
    }).immediate();
    this.changed();
  }

  protected override changed(): void {
    this.vectorCache.clear();
    this.vectorsComplete.clear();
    super.changed();
  }

  async remember(namespace: string, key: string, value: unknown, opts: RememberOptions = {}): Promise<MemoryEntry> {
    this.writable();
    const ns = checkNamespace(namespace);
    const k = checkKey(key);
    const json = valueJson(value);
    if (opts.type !== undefined) checkType(opts.type);
    const metadata = opts.metadata;
    if (metadata !== undefined && (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))) throw new LoreError('BAD_INPUT', "A memory's metadata must be a JSON object.");
    if (opts.ttlMs !== undefined && !(opts.ttlMs > 0)) throw new LoreError('BAD_INPUT', `A memory's TTL must be more than 0, not ${opts.ttlMs}.`);
    const entry = this.db.transaction(() => {
      const now = this.clock();
      const prev = this.latestRow(ns, k);
      // What is not given stays as the previous version had it: its type, metadata and TTL.
      const type = opts.type ?? (prev && !prev.deleted ? prev.type : 'semantic');
      if (opts.ttlMs !== undefined && type !== 'episodic') throw new LoreError('BAD_INPUT', 'Only episodic memories expire: a TTL needs the type episodic.');
      const keptTtl = opts.type === undefined && prev && !prev.deleted && prev.expiresAt !== null ? prev.expiresAt - prev.updatedAt : undefined;
      const ttl = type === 'episodic' ? (opts.ttlMs ?? keptTtl) : undefined;
      const row = this.insertVersion({
        namespace: ns, key: k, value: json, type, metadata: metadata ? JSON.stringify(metadata) : prev && !prev.deleted ? prev.metadata : '{}', by: opts.by ?? '',
        createdBy: prev?.createdBy ?? opts.by ?? '', createdAt: prev?.createdAt ?? now, now,
        expiresAt: ttl === undefined ? null : now + ttl, prev,
      });
      this.audit1(ns, k, row.version, opts.operation ?? (prev ? 'update' : 'create'), opts, now);
      return toEntry(row);
    }).immediate();
    this.changed();
    return entry;
  }

  private insertVersion(v: {
    namespace: string; key: string; value: string; type: MemoryType; metadata: string; by: string; createdBy: string;
    createdAt: number; now: number; expiresAt: number | null; prev: EntryRow | undefined;
  }): EntryRow {
    if (v.prev) {
      this.stmt('unlatest', 'UPDATE memory_entries SET is_latest = 0 WHERE id = ?').run(v.prev.id);
      this.stmt('ftsDelete', 'DELETE FROM memory_fts WHERE rowid = ?').run(v.prev.id);
      this.stmt('vectorsDelete', 'DELETE FROM memory_vectors WHERE entry_id = ?').run(v.prev.id);
    }
    const row = this.stmt('insert', `INSERT INTO memory_entries
        (namespace, key, value, memory_type, version, is_deleted, is_latest, metadata, created_by, updated_by, created_at, updated_at, expires_at)
        VALUES (@namespace, @key, @value, @type, @version, 0, 1, @metadata, @createdBy, @by, @createdAt, @now, @expiresAt)
        RETURNING ${COLUMNS.replace(/m\./g, '')}`).get({ ...v, prev: undefined, version: (v.prev?.version ?? 0) + 1 }) as EntryRow;
    this.stmt('ftsInsert', 'INSERT INTO memory_fts (rowid, text) VALUES (?, ?)').run(row.id, ftsText(v.namespace, v.key, JSON.parse(v.value)));
    return row;
  }

  async recall(namespace: string, key: string): Promise<MemoryEntry | undefined> {
    const row = this.latestRow(checkNamespace(namespace), checkKey(key));
    if (!row || row.deleted || (row.expiresAt !== null && row.expiresAt <= this.clock())) return undefined;
    return toEntry(row);
  }

  private latestRow(namespace: string, key: string): EntryRow | undefined {
    return this.stmt('latest', `SELECT ${COLUMNS} FROM memory_entries m WHERE m.namespace = ? AND m.key = ?
      ORDER BY m.version DESC LIMIT 1`).get(namespace, key) as EntryRow | undefined;
  }

  async list(prefix?: string, opts: MemoryListOptions = {}): Promise<MemoryEntry[]> {
    const p = checkPrefix(prefix);
    const type = opts.type === undefined ? undefined : checkType(opts.type);
    const limit = clampLimit(opts.limit, 10_000);
    const live = opts.includeDeleted ? 'm.is_latest = 1' : 'm.is_latest = 1 AND m.is_deleted = 0 AND (m.expires_at IS NULL OR m.expires_at > @now)';
    const range = prefixRange(p);
    const rows = this.stmt(`list:${!!opts.includeDeleted}:${!!p}:${!!type}`, `SELECT ${COLUMNS} FROM memory_entries m
        WHERE ${live} ${range} ${type ? 'AND m.memory_type = @type' : ''}
        ORDER BY m.namespace, m.key LIMIT @limit`).all({ ...prefixParams(p), type, limit, now: this.clock() }) as EntryRow[];
    return rows.map(toEntry);
  }

  async namespaces(prefix?: string): Promise<Array<{ namespace: string; entries: number }>> {
    const p = checkPrefix(prefix);
    const range = prefixRange(p);
    return this.stmt(`namespaces:${!!p}`, `SELECT m.namespace, count(*) AS entries FROM memory_entries m INDEXED BY memory_current
        WHERE m.is_latest = 1 AND m.is_deleted = 0 AND (m.expires_at IS NULL OR m.expires_at > @now) ${range}
        GROUP BY m.namespace ORDER BY m.namespace`).all({ ...prefixParams(p), now: this.clock() }) as Array<{ namespace: string; entries: number }>;
  }

  async history(namespace: string, key: string): Promise<MemoryEntry[]> {
    const rows = this.stmt('history', `SELECT ${COLUMNS} FROM memory_entries m WHERE m.namespace = ? AND m.key = ?
      ORDER BY m.version DESC`).all(checkNamespace(namespace), checkKey(key)) as EntryRow[];
    return rows.map(toEntry);
  }

  async restore(namespace: string, key: string, version: number, actor: MemoryActor = {}): Promise<MemoryEntry> {
    this.writable();
    const ns = checkNamespace(namespace);
    const k = checkKey(key);
    const entry = this.db.transaction(() => {
      const old = this.stmt('version', `SELECT ${COLUMNS} FROM memory_entries m WHERE m.namespace = ? AND m.key = ? AND m.version = ?`)
        .get(ns, k, version) as EntryRow | undefined;
      if (!old) {
        const versions = (this.stmt('versions', 'SELECT version FROM memory_entries WHERE namespace = ? AND key = ? ORDER BY version').pluck().all(ns, k) as number[]);
        throw new LoreError('BAD_INPUT', versions.length
          ? `${ns} ${k} has no version ${version} (it has ${versions.join(', ')}).`
          : `Nothing is remembered as ${ns} ${k}.`);
      }
      const now = this.clock();
      const prev = this.latestRow(ns, k)!;
      const row = this.insertVersion({
        namespace: ns, key: k, value: old.value, type: old.type, metadata: old.metadata, by: actor.by ?? '', createdBy: prev.createdBy,
        createdAt: prev.createdAt, now, expiresAt: old.expiresAt === null ? null : now + (old.expiresAt - old.updatedAt), prev,
      });
      this.audit1(ns, k, row.version, 'restore', actor, now);
      return toEntry(row);
    }).immediate();
    this.changed();
    return entry;
  }

  async forget(namespace: string, key: string, actor: MemoryActor = {}): Promise<boolean> {
    this.writable();
    const ns = checkNamespace(namespace);
    const k = checkKey(key);
    const done = this.db.transaction(() => this.markDeleted(ns, k, 'delete', actor, this.clock())).immediate();
    if (done) this.changed();
    return done;
  }

  /** Marks the latest version deleted; false when nothing live is there (already deleted, or past its TTL when forgetting). */
  private markDeleted(ns: string, k: string, operation: MemoryOperation, actor: MemoryActor, now: number): boolean {
    const row = this.latestRow(ns, k);
    if (!row || row.deleted) return false;
    const expired = row.expiresAt !== null && row.expiresAt <= now;
    // Expiry acts only on what is still due now (another process may have written a new version since it looked).
    if (operation === 'expire' ? !expired : expired && operation !== 'delete') return false;
    this.stmt('markDeleted', 'UPDATE memory_entries SET is_deleted = 1 WHERE id = ?').run(row.id);
    this.stmt('ftsDelete', 'DELETE FROM memory_fts WHERE rowid = ?').run(row.id);
    this.audit1(ns, k, row.version, expired && operation === 'delete' ? 'expire' : operation, actor, now);
    return !expired || operation === 'expire';
  }

  async purge(namespace: string, key: string, actor: MemoryActor = {}): Promise<number> {
    this.writable();
    const ns = checkNamespace(namespace);
    const k = checkKey(key);
    const n = this.db.transaction(() => {
      const latest = this.latestRow(ns, k);
      if (latest && !latest.deleted) this.stmt('ftsDelete', 'DELETE FROM memory_fts WHERE rowid = ?').run(latest.id);
      const gone = this.stmt('purge', 'DELETE FROM memory_entries WHERE namespace = ? AND key = ?').run(ns, k).changes;
      if (gone) this.audit1(ns, k, null, 'purge', actor, this.clock());
      return gone;
    }).immediate();
    if (n) this.changed();
    return n;
  }

  async expire(now = this.clock()): Promise<number> {
    if (this.readonly) return 0;
    const dueSql = `SELECT namespace, key FROM memory_entries INDEXED BY memory_expiry
      WHERE expires_at IS NOT NULL AND is_latest = 1 AND is_deleted = 0 AND expires_at <= ?`;
    if (!this.stmt('due', dueSql).all(now).length) return 0; // the common case, without taking the write lock
    const n = this.db.transaction(() => (this.stmt('due', dueSql).all(now) as Array<{ namespace: string; key: string }>)
      .filter((d) => this.markDeleted(d.namespace, d.key, 'expire', { by: 'lore' }, now)).length).immediate();
    if (n) this.changed();
    return n;
  }

  async search(query: string, opts: { limit?: number; prefix?: string; type?: MemoryType; prefixLast?: boolean } = {}): Promise<MemoryHit[]> {
    checkQueryText(query);
    const m = memoryMatch(query, { prefixLast: opts.prefixLast });
    if (!m.match) return [];
    const limit = clampLimit(opts.limit, 20);
    if (!limit) return [];
    const filters = { p: checkPrefix(opts.prefix), type: opts.type === undefined ? undefined : checkType(opts.type) };
    // Entries that hold every word first; those that hold half of them only when they are too few.
    const rows = this.matching(m.all, filters, limit).map((r) => ({ ...r, covered: true }));
    if (rows.length < limit && m.match !== m.all) {
      const seen = new Set(rows.map((r) => r.id));
      rows.push(...this.matching(m.match, filters, limit * 4 + 10).filter((r) => !seen.has(r.id)).map((r) => ({ ...r, covered: false })));
    }
    const hits: MemoryHit[] = [];
    for (const r of rows) {
      const entry = toEntry(r);
      const hit = m.judge(ftsText(entry.namespace, entry.key, entry.value), valueText(entry.value), { covered: r.covered });
      if (!hit) continue;
      hits.push({ source: 'memory', entry, snippet: hit.snippet, highlights: hit.highlights, score: r.score });
      if (hits.length >= limit) break;
    }
    return hits;
  }

  /** Live entries an FTS5 query matches, best first (BM25). */
  private matching(match: string, f: { p: string; type?: MemoryType }, take: number): Array<EntryRow & { score: number }> {
    const range = prefixRange(f.p);
    return this.stmt(`search:${!!f.p}:${!!f.type}`, `SELECT ${COLUMNS}, -f.rank AS score FROM memory_fts f JOIN memory_entries m ON m.id = f.rowid
        WHERE memory_fts MATCH @match AND (m.expires_at IS NULL OR m.expires_at > @now) ${range} ${f.type ? 'AND m.memory_type = @type' : ''}
        ORDER BY f.rank, m.id DESC LIMIT @take`).all({ match, ...prefixParams(f.p), type: f.type, now: this.clock(), take }) as Array<EntryRow & { score: number }>;
  }

  async missingVectors(model: string, limit = 256): Promise<Array<{ id: number; text: string }>> {
    const dataVersion = this.dataVersion();
    if (this.vectorsComplete.get(model) === dataVersion) return [];
    const rows = this.stmt('missingVectors', `SELECT m.id, m.namespace, m.key, m.value FROM memory_entries m INDEXED BY memory_current
        WHERE m.is_latest = 1 AND m.is_deleted = 0 AND NOT EXISTS (SELECT 1 FROM memory_vectors v WHERE v.entry_id = m.id AND v.model = ?)
        ORDER BY m.id DESC LIMIT ?`).all(model, clampLimit(limit, 256)) as Array<{ id: number; namespace: string; key: string; value: string }>;
    if (!rows.length) this.vectorsComplete.set(model, dataVersion);
    return rows.map((r) => ({ id: r.id, text: ftsText(r.namespace, r.key, JSON.parse(r.value)) }));
  }

  async putVectors(model: string, items: Array<{ id: number; vector: Float32Array }>): Promise<void> {
    if (this.readonly || !items.length) return;
    this.db.transaction(() => {
      // An entry replaced or purged meanwhile has no row to point at: its vector is not kept.
      for (const it of items) {
        this.stmt('putVector', `INSERT OR REPLACE INTO memory_vectors (entry_id, model, vector)
          SELECT id, ?, ? FROM memory_entries WHERE id = ? AND is_latest = 1`).run(model, Buffer.from(it.vector.buffer, it.vector.byteOffset, it.vector.byteLength), it.id);
      }
    }).immediate();
    this.vectorCache.delete(model);
  }

  async nearest(model: string, query: Float32Array, opts: { limit?: number; prefix?: string; type?: MemoryType; minSimilarity?: number } = {}): Promise<Array<{ entry: MemoryEntry; similarity: number }>> {
    const limit = clampLimit(opts.limit, 20);
    const p = checkPrefix(opts.prefix);
    const type = opts.type === undefined ? undefined : checkType(opts.type);
    const scored: Array<{ id: number; similarity: number }> = [];
    for (const r of this.vectorsOf(model)) {
      if (r.vector.length !== query.length) continue;
      let dot = 0;
      for (let i = 0; i < query.length; i++) dot += r.vector[i] * query[i];
      if (dot >= (opts.minSimilarity ?? 0)) scored.push({ id: r.id, similarity: dot });
    }
    scored.sort((a, b) => b.similarity - a.similarity);
    const out: Array<{ entry: MemoryEntry; similarity: number }> = [];
    const now = this.clock();
    for (const s of scored) {
      const row = this.stmt('byId', `SELECT ${COLUMNS} FROM memory_entries m WHERE m.id = ? AND m.is_latest = 1 AND m.is_deleted = 0`).get(s.id) as EntryRow | undefined;
      if (!row || (row.expiresAt !== null && row.expiresAt <= now)) continue;
      if (p && row.namespace !== p && !row.namespace.startsWith(`${p}:`)) continue;
      if (type && row.type !== type) continue;
      out.push({ entry: toEntry(row), similarity: s.similarity });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Moves when another connection (the CLI, an MCP server) commits; this one's writes call changed(). */
  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** The live entries' vectors of `model`, normalised (cosine = dot product). */
  private vectorsOf(model: string): Array<{ id: number; vector: Float32Array }> {
    const dataVersion = this.dataVersion();
    const cached = this.vectorCache.get(model);
    if (cached && cached.dataVersion === dataVersion) return cached.rows;
    const rows = (this.stmt('vectorsOf', `SELECT v.entry_id AS id, v.vector FROM memory_vectors v JOIN memory_entries m ON m.id = v.entry_id
        WHERE v.model = ? AND m.is_latest = 1 AND m.is_deleted = 0`).all(model) as Array<{ id: number; vector: Buffer }>).map((r) => {
      const v = new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength));
      let n = 0;
      for (const x of v) n += x * x;
      n = Math.sqrt(n) || 1;
      for (let i = 0; i < v.length; i++) v[i] /= n;
      return { id: r.id, vector: v };
    });
    this.vectorCache.set(model, { dataVersion, rows });
    return rows;
  }

  async audit(opts: { namespace?: string; key?: string; limit?: number } = {}): Promise<MemoryAuditRecord[]> {
    const limit = clampLimit(opts.limit, 100);
    const one = opts.namespace !== undefined && opts.key !== undefined;
    const rows = (one
      ? this.stmt('auditOne', 'SELECT * FROM memory_audit WHERE namespace = ? AND key = ? ORDER BY id DESC LIMIT ?').all(checkNamespace(opts.namespace!), checkKey(opts.key!), limit)
      : this.stmt('auditAll', 'SELECT * FROM memory_audit ORDER BY id DESC LIMIT ?').all(limit)) as Array<{
      namespace: string; key: string; version: number | null; operation: MemoryOperation; actor: string; session_id: string | null; at: number;
    }>;
    return rows.map((r) => ({
      namespace: r.namespace, key: r.key, version: r.version, operation: r.operation, actor: r.actor, at: r.at,
      ...(r.session_id ? { sessionId: r.session_id } : {}),
    }));
  }

  async count(): Promise<number> {
    return this.stmt('count', `SELECT count(*) FROM memory_entries INDEXED BY memory_current WHERE is_latest = 1 AND is_deleted = 0
      AND (expires_at IS NULL OR expires_at > ?)`).pluck().get(this.clock()) as number;
  }

  private audit1(namespace: string, key: string, version: number | null, operation: MemoryOperation, actor: MemoryActor, at: number): void {
    this.stmt('audit', 'INSERT INTO memory_audit (namespace, key, version, operation, actor, session_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(namespace, key, version, operation, actor.by ?? '', actor.sessionId ?? null, at);
  }

}

function clampLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(0, Math.min(Math.floor(limit), 100_000));
}
