import { randomUUID } from 'node:crypto';
import { errorMessage } from '../core/errors';
import type { SessionEvent } from '../core/sessions/types';
import type { LoreAccess } from './loreAccess';

/**
 * This window's session history: one session per window, created on the first search or opened
 * result, in the first folder's index. Recording never throws (history must not break a search).
 */
export class WindowHistory {
  private sessionId: string | undefined;

  constructor(
    private readonly access: LoreAccess,
    private readonly workspaceName: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** The current window's session id, if one was created. */
  get currentId(): string | undefined {
    return this.sessionId;
  }

  record(type: string, payload: Record<string, unknown>, titleHint?: string): SessionEvent | undefined {
    const store = this.access.sessions();
    if (!store || store.readonly) return undefined;
    try {
      if (!this.sessionId || !store.get(this.sessionId)) {
        const title = titleHint ? `${this.workspaceName}: ${titleHint}` : this.workspaceName;
        this.sessionId = store.create({ id: `vscode-${randomUUID()}`, title, metadata: { host: 'vscode', workspace: this.workspaceName } }).id;
      }
      return store.record(this.sessionId, type, payload);
    } catch (err) {
      this.log(`session history: ${errorMessage(err)}`);
      return undefined;
    }
  }

  search(query: string, mode: string, k: number, resultCount: number): void {
    if (query.trim()) this.record('search', { query, mode, k, resultCount }, query);
  }

  open(path: string, line: number, title: string, folder?: string): void {
    this.record('open', { path, line, title, ...(folder ? { folder } : {}) }, title);
  }

  /** Forget the window's session (it was deleted or history cleared): the next record starts a new one. */
  reset(): void {
    this.sessionId = undefined;
  }
}
