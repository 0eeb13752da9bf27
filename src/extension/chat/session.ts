// One Lore session per chat conversation, without any state kept in the extension.
//
// How the id is found: every response of @lore returns `metadata.loreSessionId` in its ChatResult.
// VS Code keeps that result in the conversation's history (ChatResponseTurn.result), so the next
// request of the same conversation finds the id there and keeps recording into the same session;
// a new conversation has no @lore turns in its history and gets a fresh id. If an older turn has
// no id (e.g. written by an older version, or its metadata was dropped), the id is derived from
// the conversation's first request prompt, which stays the same for every later turn.

import { createHash, randomUUID } from 'node:crypto';

export type TurnLike =
  | { kind: 'request'; prompt: string; command?: string }
  | { kind: 'response'; sessionId?: string };

export const SESSION_PREFIX = 'chat-';

export function deriveSessionId(history: readonly TurnLike[], newId: () => string = randomUUID): { id: string; isNew: boolean } {
  for (let i = history.length - 1; i >= 0; i--) {
    const t = history[i];
    if (t.kind === 'response' && t.sessionId) return { id: t.sessionId, isNew: false };
  }
  const first = history.find((t): t is Extract<TurnLike, { kind: 'request' }> => t.kind === 'request');
  if (first) {
    const hash = createHash('sha256').update(`${first.command ?? ''}\n${first.prompt}`).digest('hex').slice(0, 24);
    return { id: `${SESSION_PREFIX}${hash}`, isNew: false };
  }
  return { id: `${SESSION_PREFIX}${newId()}`, isNew: true };
}

/** A short session title from the conversation's first prompt. */
export function sessionTitle(prompt: string, command?: string): string {
  const text = prompt.replace(/\s+/g, ' ').trim();
  const head = command ? `/${command}${text ? ' ' : ''}` : '';
  const title = `${head}${text}` || 'Chat with @lore';
  return title.length > 60 ? `${title.slice(0, 57).trimEnd()}…` : title;
}
