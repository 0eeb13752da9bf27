export const SESSION_STATUSES = ['created', 'active', 'paused', 'terminated', 'archived'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface Session {
  id: string;
  title: string;
  status: SessionStatus;
  state: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: number;
  lastUpdateTime: number;
  terminatedAt: number | null;
  archivedAt: number | null;
  eventCount: number;
}

/**
 * One thing that happened in a session. Event types in use:
 * 'search' {query, mode, k, resultCount}, 'open' {path, line, title},
 * 'chat.request' {prompt, command?}, 'chat.response' {text, references: [{path, startLine, endLine}]},
 * 'tool' {tool, input}.
 */
export interface SessionEvent {
  id: number;
  sessionId: string;
  /** 1, 2, 3... within its session. */
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  time: number;
}

export type FoundEvent = SessionEvent & { sessionTitle: string };

export interface RetentionPolicy {
  /** Delete sessions not updated for this many days. */
  maxDays?: number;
  /** Keep at most this many sessions (the most recently updated). */
  maxSessions?: number;
}
