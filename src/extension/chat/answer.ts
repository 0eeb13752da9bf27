// The two ways @lore replies with passages: a model's answer grounded in them (streamed, each
// cited passage attached as a reference), or the passages themselves with clickable locations.

import * as vscode from 'vscode';
import { passageBlock } from './format';
import { budgetForModelWindow } from '../../core/search/passages';
import { buildAnswerPrompt, CitationTracker, type HistoryTurn } from './prompt';
import type { LocatedPassage } from './retrieve';
import type { TurnLike } from './session';

/** The parts of a ChatResponseStream @lore writes to (a recording stream implements it too). */
export interface Sink {
  markdown(value: string): void;
  anchor(value: vscode.Location, title?: string): void;
  reference(value: vscode.Location): void;
  progress(value: string): void;
}

/** Lists passages: title, a clickable file:lines anchor, section, quoted text; each also a reference. */
export function showPassages(sink: Sink, passages: readonly LocatedPassage[], note?: string): void {
  if (note) sink.markdown(`${note}\n\n`);
  passages.forEach((p, i) => {
    const block = passageBlock(p, i + 1);
    sink.markdown(block.head);
    sink.anchor(p.location, block.label);
    sink.markdown(block.body);
    sink.reference(p.location);
  });
}

export const JUSTIFICATION = 'Lore answers your question from the passages it found in this workspace’s documents.';

/**
 * Streams the model's answer, built only from `passages`. Each passage is attached as a reference
 * the first time the answer cites it; if the answer cites none, every passage it was given is
 * attached (they are all it had). Throws the model's error (LanguageModelError) for the caller.
 */
export async function answerWithModel(
  model: vscode.LanguageModelChat,
  question: string,
  passages: readonly LocatedPassage[],
  history: readonly HistoryTurn[],
  sink: Sink,
  token: vscode.CancellationToken,
  /** What the passages are, when they are not search results (the open document and what relates to it). */
  context?: string,
): Promise<void> {
  const { messages, fit } = buildAnswerPrompt(question, passages, { budgetChars: budgetForModelWindow(model.maxInputTokens), history, context });
  const chat = messages.map((m) =>
    m.role === 'user' ? vscode.LanguageModelChatMessage.User(m.text) : vscode.LanguageModelChatMessage.Assistant(m.text),
  );
  const response = await model.sendRequest(chat, { justification: JUSTIFICATION }, token);
  const tracker = new CitationTracker(fit.passages.length);
  for await (const fragment of response.text) {
    if (token.isCancellationRequested) break;
    sink.markdown(fragment);
    for (const n of tracker.push(fragment)) sink.reference(fit.passages[n - 1].location);
  }
  if (!tracker.cited().length && tracker.answer().trim() && !token.isCancellationRequested) {
    for (const p of fit.passages) sink.reference(p.location);
  }
}

type AnyTurn = vscode.ChatRequestTurn | vscode.ChatResponseTurn;

const isRequest = (t: AnyTurn): t is vscode.ChatRequestTurn => typeof (t as { prompt?: unknown }).prompt === 'string';

/** The conversation's earlier turns, as the session-id logic sees them. */
export function turnsOf(history: readonly AnyTurn[]): TurnLike[] {
  return history.map((t) =>
    isRequest(t)
      ? { kind: 'request', prompt: t.prompt, command: t.command }
      : { kind: 'response', sessionId: (t.result?.metadata as { loreSessionId?: unknown } | undefined)?.loreSessionId as string | undefined },
  );
}

/** The conversation's earlier turns as plain text, for the model (markdown parts only). */
export function historyText(history: readonly AnyTurn[]): HistoryTurn[] {
  const out: HistoryTurn[] = [];
  for (const t of history) {
    if (isRequest(t)) {
      out.push({ role: 'user', text: t.command ? `/${t.command} ${t.prompt}` : t.prompt });
    } else {
      const text = (t.response ?? [])
        .map((part) => {
          const v = (part as { value?: unknown }).value;
          if (typeof v === 'string') return v;
          const md = (v as { value?: unknown } | undefined)?.value;
          return typeof md === 'string' ? md : '';
        })
        .join('');
      out.push({ role: 'assistant', text });
    }
  }
  return out;
}
