/**
 * Recording what a person or an assistant did into session history, the same way in every host.
 * Which session an event joins is a policy:
 *  - 'recorder': one session for this recorder's life (a VS Code window, an MCP connection),
 *    created at the first event; a new one when that session was deleted;
 *  - 'day': one session per calendar day (UTC), e.g. language-model tool calls;
 *  - 'conversation': the caller names the session (a chat conversation's id).
 * Recording never throws: history must not break a search or a reply. Failures go to `log`;
 * a read-only history records nothing.
 */
import crypto from 'node:crypto';
import { errorMessage } from '../errors';
import type { SessionStore } from '../storage/sessions';
import type { SessionEvent } from './types';

export type SessionPolicy = 'recorder' | 'day' | 'conversation';

export interface RecorderOptions {
  /** The history to record into (undefined while none is open: nothing is recorded). */
  store: () => SessionStore | undefined;
  policy: SessionPolicy;
  /** Session ids begin with this ('recorder' and 'day': `vscode-…`, `tools-2026-12-01`). */
  idPrefix: string;
  /** A new session's title, from the first event's hint (a query, a prompt) or the day. */
  title?: (hint: string | undefined) => string;
  /** A new session's metadata. */
  metadata?: () => Record<string, unknown>;
  log?: (line: string) => void;
  clock?: () => number;
}

export class SessionRecorder {
  private sessionId: string | undefined;
  /** Events are recorded one after another, in the order they came (the first one makes the session). */
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: RecorderOptions) {}

  /** The session this recorder's events go to ('recorder' policy), once created. */
  get currentId(): string | undefined {
    return this.sessionId;
  }

  /** The session of the events recorded so far, once they are written (a write that names its session waits for this). */
  async settledId(): Promise<string | undefined> {
    await this.last.catch(() => undefined);
    return this.sessionId;
  }

  /**
   * Appends an event. `hint` titles a new session; `conversation` names the session under the
   * 'conversation' policy (required there).
   */
  record(type: string, payload: Record<string, unknown>, at: { hint?: string; conversation?: string } = {}): Promise<SessionEvent | undefined> {
    const done = this.last.then(() => this.write(type, payload, at));
    this.last = done;
    return done;
  }

  private async write(type: string, payload: Record<string, unknown>, at: { hint?: string; conversation?: string }): Promise<SessionEvent | undefined> {
    const store = this.opts.store();
    if (!store || store.readonly) return undefined;
    try {
      const id = await this.sessionFor(store, at);
      return await store.record(id, type, payload);
    } catch (err) {
      this.opts.log?.(`session history: could not record ${type}: ${errorMessage(err)}`);
      return undefined;
    }
  }

  /** Forgets this recorder's session (history was cleared): the next event starts a new one. */
  reset(): void {
    this.sessionId = undefined;
  }

  private async sessionFor(store: SessionStore, at: { hint?: string; conversation?: string }): Promise<string> {
    const init = () => ({ title: this.opts.title?.(at.hint) ?? at.hint ?? '', metadata: this.opts.metadata?.() ?? {} });
    switch (this.opts.policy) {
      case 'recorder':
        if (!this.sessionId || !(await store.get(this.sessionId))) {
          this.sessionId = (await store.create({ id: `${this.opts.idPrefix}-${crypto.randomUUID()}`, ...init() })).id;
        }
        return this.sessionId;
      case 'day': {
        const day = new Date((this.opts.clock ?? Date.now)()).toISOString().slice(0, 10);
        const id = `${this.opts.idPrefix}-${day}`;
        await store.ensure(id, { title: this.opts.title?.(day) ?? day, metadata: this.opts.metadata?.() ?? {} });
        return id;
      }
      case 'conversation': {
        if (!at.conversation) throw new Error('no conversation id given');
        await store.ensure(at.conversation, init());
        return at.conversation;
      }
    }
  }
}
