/**
 * Session history as the engine and the hosts use it, whatever keeps it (storage/sqlite/sessions.ts
 * today): sessions and their events in order, with a change event for views.
 */
import type { FoundEvent, RetentionPolicy, Session, SessionEvent } from '../sessions/types';

export interface SessionStore {
  /** Reads work and every write is refused (the history was opened read-only). */
  readonly readonly: boolean;
  /** Called after every write that changed something (views refresh from this). */
  onDidChange(listener: () => void): () => void;
  create(opts?: { id?: string; title?: string; metadata?: Record<string, unknown> }): Promise<Session>;
  get(id: string): Promise<Session | undefined>;
  /** The session with this id, created when missing (one per chat conversation, one per MCP client...). */
  ensure(id: string, init?: { title?: string; metadata?: Record<string, unknown> }): Promise<Session>;
  /**
   * Appends an event. The session is created when missing, becomes 'active' (an archived or
   * terminated one is reopened), takes its title from its first query or prompt when it has
   * none, and moves to the top of the recent list.
   */
  record(sessionId: string, type: string, payload: Record<string, unknown>): Promise<SessionEvent>;
  /** Sessions, most recently updated first; archived ones only when asked for. */
  list(opts?: { includeArchived?: boolean; limit?: number }): Promise<Session[]>;
  /** A session's events in the order they happened; with `limit`, its latest `limit` events (still oldest first). */
  events(sessionId: string, opts?: { limit?: number }): Promise<SessionEvent[]>;
  /** Events whose payload text matches every word of `query` (the last as a prefix), newest first; no words: the newest. */
  findEvents(query: string, opts?: { limit?: number; types?: string[] }): Promise<FoundEvent[]>;
  rename(id: string, title: string): Promise<void>;
  archive(id: string): Promise<void>;
  terminate(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  /** Replaces a session's free-form state (e.g. a chat conversation's last mode). */
  setState(id: string, state: Record<string, unknown>): Promise<void>;
  /** Deletes a session and its events (no error when it does not exist). */
  delete(id: string): Promise<void>;
  /** Deletes every session and event; returns how many sessions there were. */
  clear(): Promise<number>;
  /** Deletes sessions older than `maxDays`, then all but the newest `maxSessions`; returns how many went. */
  prune(opts: RetentionPolicy & { now?: number }): Promise<number>;
}
