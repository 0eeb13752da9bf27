import crypto from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { UserDataStore, type UserDataStoreOptions } from './userDataStore';
import { LoreError } from '../../errors';
import { checkQueryText } from '../../search/input';
import { buildKeywordQuery } from '../../search/query';
import type { FoundEvent, RetentionPolicy, Session, SessionEvent, SessionStatus } from '../../sessions/types';
import type { SessionStore } from '../sessions';

export * from '../../sessions/types';

const DAY_MS = 24 * 60 * 60 * 1000;
const TITLE_MAX = 80;

interface SessionRow {
  id: string;
  title: string;
  status: SessionStatus;
  state: string;
  metadata: string;
  createdAt: number;
  lastUpdateTime: number;
  terminatedAt: number | null;
  archivedAt: number | null;
  eventCount: number;
}

interface EventRow {
  id: number;
  sessionId: string;
  seq: number;
  type: string;
  payload: string;
  time: number;
  sessionTitle?: string;
}

const SESSION_COLUMNS = `s.id, s.title, s.status, s.state, s.metadata, s.created_at AS createdAt,
  s.last_update_time AS lastUpdateTime, s.terminated_at AS terminatedAt, s.archived_at AS archivedAt,
  (SELECT count(*) FROM session_events e WHERE e.session_id = s.id) AS eventCount`;
/** Newest first; ties within one millisecond go to the session with the latest event, then the latest created. */
const RECENT_FIRST = `s.last_update_time DESC, coalesce((SELECT max(e.id) FROM session_events e WHERE e.session_id = s.id), 0) DESC, s.rowid DESC`;
const EVENT_COLUMNS = 'e.id, e.session_id AS sessionId, e.seq, e.type, e.payload, e.time';

const toSession = (r: SessionRow): Session => ({ ...r, state: JSON.parse(r.state), metadata: JSON.parse(r.metadata) });
const toEvent = ({ payload, ...r }: EventRow): SessionEvent => ({ ...r, payload: JSON.parse(payload) });

/** A short title from what the user asked: the first search query or chat prompt of a session. */
function titleFromPayload(type: string, payload: Record<string, unknown>): string {
  const text = type === 'search' ? payload.query : type === 'chat.request' ? payload.prompt : undefined;
  if (typeof text !== 'string') return '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > TITLE_MAX ? `${line.slice(0, TITLE_MAX - 1)}…` : line;
}

function jsonObject(value: unknown, what: string): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LoreError('BAD_INPUT', `A session's ${what} must be a JSON object.`);
  }
  return JSON.stringify(value);
}

/**
 * Session history in the user-data database: sessions and their events in order. Every write is
 * one statement or one transaction. On a read-only connection reads work and writes throw.
 */
export class SqliteSessionStore extends UserDataStore implements SessionStore {

  constructor(db: Database, clock: () => number = Date.now, opts: UserDataStoreOptions = {}) {
    super(db, clock, opts, 'Session history');
  }

  async create(opts: { id?: string; title?: string; metadata?: Record<string, unknown> } = {}): Promise<Session> {
    return this.insert(opts);
  }

  private insert(opts: { id?: string; title?: string; metadata?: Record<string, unknown> }): Session {
    this.writable();
    const id = opts.id ?? crypto.randomUUID();
    if (opts.id !== undefined && this.row(id)) throw new LoreError('BAD_INPUT', `A session with id "${id}" already exists.`);
    const now = this.clock();
    this.stmt('insert', `INSERT INTO sessions (id, title, status, metadata, created_at, last_update_time)
      VALUES (?, ?, 'created', ?, ?, ?)`).run(id, (opts.title ?? '').trim(), jsonObject(opts.metadata ?? {}, 'metadata'), now, now);
    if (!this.db.inTransaction) this.changed();
    return this.row(id)!;
  }

  async get(id: string): Promise<Session | undefined> {
    return this.row(id);
  }

  private row(id: string): Session | undefined {
    const row = this.stmt('get', `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = ?`).get(id) as SessionRow | undefined;
    return row && toSession(row);
  }

  /** The session with this id, created when missing (one per chat conversation, one per MCP client...). */
  async ensure(id: string, init: { title?: string; metadata?: Record<string, unknown> } = {}): Promise<Session> {
    return this.row(id) ?? this.insert({ id, ...init });
  }

  /**
   * Appends an event. The session is created when missing, becomes 'active' (an archived or
   * terminated one is reopened), takes its title from its first query or prompt when it has
   * none, and moves to the top of the recent list.
   */
  async record(sessionId: string, type: string, payload: Record<string, unknown>): Promise<SessionEvent> {
    this.writable();
    const body = jsonObject(payload, 'event payload');
    if (!type) throw new LoreError('BAD_INPUT', 'A session event needs a type.');
    const event = this.db.transaction(() => {
      const now = this.clock();
      if (!this.row(sessionId)) this.insert({ id: sessionId });
      this.stmt('touch', `UPDATE sessions SET status = 'active', last_update_time = max(last_update_time, ?),
          terminated_at = NULL, archived_at = NULL,
          title = CASE WHEN title = '' THEN ? ELSE title END
        WHERE id = ?`).run(now, titleFromPayload(type, payload), sessionId);
      const row = this.stmt('event', `INSERT INTO session_events (session_id, seq, type, payload, time)
          VALUES (@sessionId, coalesce((SELECT max(seq) FROM session_events WHERE session_id = @sessionId), 0) + 1, @type, @body, @now)
          RETURNING id, session_id AS sessionId, seq, type, payload, time`).get({ sessionId, type, body, now }) as EventRow;
      return toEvent(row);
    }).immediate(); // take the write lock up front: a second writer waits (busy_timeout) instead of failing
    this.changed();
    return event;
  }

  /** Sessions, most recently updated first; archived ones only when asked for. */
  async list(opts: { includeArchived?: boolean; limit?: number } = {}): Promise<Session[]> {
    const limit = clampLimit(opts.limit, 50);
    const rows = opts.includeArchived
      ? this.stmt('listAll', `SELECT ${SESSION_COLUMNS} FROM sessions s ORDER BY ${RECENT_FIRST} LIMIT ?`).all(limit)
      : this.stmt('list', `SELECT ${SESSION_COLUMNS} FROM sessions s INDEXED BY sessions_recent WHERE s.status != 'archived'
          ORDER BY ${RECENT_FIRST} LIMIT ?`).all(limit);
    return (rows as SessionRow[]).map(toSession);
  }

  /** A session's events in the order they happened; with `limit`, its latest `limit` events (still oldest first). */
  async events(sessionId: string, opts: { limit?: number } = {}): Promise<SessionEvent[]> {
    const limit = clampLimit(opts.limit, 10_000);
    const rows = this.stmt('events', `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM session_events e WHERE e.session_id = ?
        ORDER BY e.seq DESC LIMIT ?) ORDER BY seq`).all(sessionId, limit) as EventRow[];
    return rows.map(toEvent);
  }

  /**
   * Events whose payload text matches every word of `query` (the last word as a prefix), newest
   * first. The query is never FTS syntax: each word is quoted. No words: the newest events.
   */
  async findEvents(query: string, opts: { limit?: number; types?: string[] } = {}): Promise<FoundEvent[]> {
    checkQueryText(query);
    const limit = clampLimit(opts.limit, 50);
    const types = opts.types?.filter(Boolean) ?? [];
    const typeFilter = types.length ? 'AND e.type IN (SELECT value FROM json_each(?))' : '';
    const typeParams = types.length ? [JSON.stringify(types)] : [];
    const match = buildKeywordQuery(query, { prefixLast: true }).all;
    const select = `SELECT ${EVENT_COLUMNS}, s.title AS sessionTitle FROM session_events e JOIN sessions s ON s.id = e.session_id`;
    const rows = match
      ? this.stmt(`find:${!!types.length}`, `${select}
          WHERE e.id IN (SELECT rowid FROM session_events_fts WHERE session_events_fts MATCH ?) ${typeFilter}
          ORDER BY e.id DESC LIMIT ?`).all(match, ...typeParams, limit)
      : this.stmt(`latest:${!!types.length}`, `${select} WHERE 1 ${typeFilter} ORDER BY e.id DESC LIMIT ?`).all(...typeParams, limit);
    return (rows as EventRow[]).map((r) => ({ ...toEvent(r), sessionTitle: r.sessionTitle ?? '' }));
  }

  async rename(id: string, title: string): Promise<void> {
    this.update(id, 'title = ?', [title.trim()]);
  }

  async archive(id: string): Promise<void> {
    this.update(id, "status = 'archived', archived_at = ?", [this.clock()]);
  }

  async terminate(id: string): Promise<void> {
    this.update(id, "status = 'terminated', terminated_at = ?", [this.clock()]);
  }

  async pause(id: string): Promise<void> {
    this.update(id, "status = 'paused'", []);
  }

  /** Replaces a session's free-form state (e.g. a chat conversation's last mode). */
  async setState(id: string, state: Record<string, unknown>): Promise<void> {
    this.update(id, 'state = ?', [jsonObject(state, 'state')]);
  }

  /** Deletes a session and its events (no error when it does not exist). */
  async delete(id: string): Promise<void> {
    this.writable();
    if (this.stmt('delete', 'DELETE FROM sessions WHERE id = ?').run(id).changes) this.changed();
  }

  /** Deletes every session and event; returns how many sessions there were. */
  async clear(): Promise<number> {
    this.writable();
    const n = this.stmt('clear', 'DELETE FROM sessions').run().changes;
    if (n) this.changed();
    return n;
  }

  /** Applies a retention policy: deletes sessions older than `maxDays`, then all but the newest `maxSessions`. */
  async prune(opts: RetentionPolicy & { now?: number }): Promise<number> {
    this.writable();
    const { maxDays, maxSessions } = opts;
    if (maxDays !== undefined && !(maxDays >= 0)) throw new LoreError('BAD_INPUT', `Session retention days must be 0 or more, not ${maxDays}.`);
    if (maxSessions !== undefined && !(maxSessions >= 0)) throw new LoreError('BAD_INPUT', `Session retention count must be 0 or more, not ${maxSessions}.`);
    const pruned = this.db.transaction(() => {
      let removed = 0;
      if (maxDays !== undefined) {
        const cutoff = (opts.now ?? this.clock()) - maxDays * DAY_MS;
        removed += this.stmt('pruneDays', 'DELETE FROM sessions WHERE last_update_time < ?').run(cutoff).changes;
      }
      if (maxSessions !== undefined) {
        removed += this.stmt('pruneCount', `DELETE FROM sessions WHERE id IN (SELECT s.id FROM sessions s
            ORDER BY ${RECENT_FIRST} LIMIT -1 OFFSET ?)`).run(Math.floor(maxSessions)).changes;
      }
      return removed;
    }).immediate(); // take the write lock up front: a second writer waits (busy_timeout) instead of failing
    if (pruned) this.changed();
    return pruned;
  }

  private update(id: string, set: string, params: unknown[]): void {
    this.writable();
    const info = this.stmt(`update:${set}`, `UPDATE sessions SET ${set} WHERE id = ?`).run(...params, id);
    if (!info.changes) throw new LoreError('BAD_INPUT', `No session with id "${id}".`);
    this.changed();
  }

}

function clampLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(0, Math.min(Math.floor(limit), 100_000));
}
