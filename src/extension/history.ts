import { type RecorderOptions, SessionRecorder } from '../core/sessions/recorder';
import type { SessionEvent } from '../core/sessions/types';
import type { LoreAccess } from './loreAccess';

/**
 * A recorder into the workspace's session history under one of core's policies; failures go to
 * `log` (default: the console). The 'day' and 'conversation' policies keep no state, so a
 * recorder for them can be made where it is used.
 */
export function workspaceRecorder(access: LoreAccess, opts: Omit<RecorderOptions, 'store' | 'log'> & Partial<Pick<RecorderOptions, 'log'>>): SessionRecorder {
  return new SessionRecorder({ store: () => access.sessions(), log: (line) => console.warn(`Lore: ${line}`), ...opts });
}

/**
 * This window's session history: one session per window (core's 'recorder' policy), created on
 * the first search or opened result. Recording never throws (history must not break a search).
 */
export class WindowHistory {
  private readonly recorder: SessionRecorder;

  constructor(access: LoreAccess, workspaceName: string, log: (line: string) => void = () => undefined) {
    this.recorder = workspaceRecorder(access, {
      policy: 'recorder',
      idPrefix: 'vscode',
      title: (hint) => (hint ? `${workspaceName}: ${hint}` : workspaceName),
      metadata: () => ({ host: 'vscode', workspace: workspaceName }),
      log,
    });
  }

  /** The current window's session id, if one was created. */
  get currentId(): string | undefined {
    return this.recorder.currentId;
  }

  record(type: string, payload: Record<string, unknown>, titleHint?: string): Promise<SessionEvent | undefined> {
    return this.recorder.record(type, payload, { hint: titleHint });
  }

  search(query: string, mode: string, k: number, resultCount: number): void {
    if (query.trim()) void this.record('search', { query, mode, k, resultCount }, query);
  }

  open(path: string, line: number, title: string, folder?: string): void {
    void this.record('open', { path, line, title, ...(folder ? { folder } : {}) }, title);
  }

  /** Forget the window's session (it was deleted or history cleared): the next record starts a new one. */
  reset(): void {
    this.recorder.reset();
  }
}
