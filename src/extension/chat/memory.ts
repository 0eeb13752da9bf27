// @lore's memory commands: /remember (what you type, or the last answer when you type nothing),
// /recall (what matches, or everything kept for this workspace), /consolidate (proposes memories
// from this conversation and opens them for review before anything is written).

import * as vscode from 'vscode';
import { finishConsolidation, keyFromText, proposeConsolidation } from '../../core/memory/consolidate';
import { formatMemory, memoryValueText } from '../../core/memory/format';
import { parseRememberPhrase } from '../../core/memory/phrase';
import { workspaceNamespace } from '../commands/memory';
import type { LoreAccess } from '../loreAccess';
import { historyText, type Sink } from './answer';
import { escapeMd, quote } from './format';

type Buttons = Pick<vscode.ChatResponseStream, 'button'>;

const bullet = (text: string) => `- ${escapeMd(text.replace(/\n/, ' '))}`;

/** The text of @lore's last answer in this conversation ('' when there is none). */
export function lastAnswer(history: vscode.ChatContext['history']): string {
  return historyText(history).filter((t) => t.role === 'assistant' && t.text.trim()).at(-1)?.text.trim() ?? '';
}

export async function rememberInChat(access: LoreAccess, sink: Sink, stream: Buttons, prompt: string, history: vscode.ChatContext['history'], sessionId: string): Promise<number> {
  const memory = access.memory();
  if (!memory) {
    sink.markdown('Lore memory is not available for this workspace (no index is open).');
    return 0;
  }
  const ns = workspaceNamespace(vscode.workspace.name);
  const text = prompt.trim() || lastAnswer(history);
  if (!text) {
    sink.markdown('What should I remember? For example: `/remember the staging database is reset nightly at 02:00`, or `/remember project:lore:deploy staging-db = reset nightly`. With nothing after it, `/remember` keeps my last answer.');
    return 0;
  }
  // Typed: read as [namespace] [key =] text. The last answer: kept as it is, named by its words.
  const phrase = prompt.trim() ? parseRememberPhrase(text, ns) : { namespace: ns, key: keyFromText(text), value: text.slice(0, 4000) };
  if (!phrase) {
    sink.markdown(`There is nothing to remember after \`${escapeMd(text)}\`: write the fact too, for example \`/remember ${escapeMd(text)} staging-db = reset nightly\`.`);
    return 0;
  }
  const e = await memory.remember(phrase.namespace, phrase.key, phrase.value, { by: 'chat', sessionId });
  sink.markdown(`Remembered as **${escapeMd(e.namespace)} ${escapeMd(e.key)}** (version ${e.version}):\n\n${quote(memoryValueText(e), 600)}\n\n`);
  stream.button({ command: 'lore.memory.edit', title: 'Edit', arguments: [{ kind: 'entry', entry: e }] });
  stream.button({ command: 'lore.memory.forget', title: 'Forget', arguments: [{ kind: 'entry', entry: e }] });
  return 1;
}

export async function recallInChat(access: LoreAccess, sink: Sink, query: string): Promise<number> {
  const memory = access.memory();
  if (!memory) {
    sink.markdown('Lore memory is not available for this workspace (no index is open).');
    return 0;
  }
  if (query) {
    const hits = await memory.search(query, { limit: 20 });
    sink.markdown(hits.length
      ? `${hits.length} memor${hits.length === 1 ? 'y matches' : 'ies match'} “${escapeMd(query)}”:\n\n${hits.map((h) => bullet(formatMemory(h.entry))).join('\n')}`
      : `Nothing remembered matches “${escapeMd(query)}”. \`/recall\` alone lists everything kept.`);
    return hits.length;
  }
  const all = await memory.list(undefined, { limit: 100 });
  sink.markdown(all.length ? `${all.length} memor${all.length === 1 ? 'y' : 'ies'}:\n\n${all.map((e) => bullet(formatMemory(e))).join('\n')}` : 'Nothing is remembered yet. `/remember <fact>` keeps one.');
  return all.length;
}

export async function consolidateInChat(access: LoreAccess, sink: Sink, stream: Buttons, sessionId: string, model: vscode.LanguageModelChat | undefined, token: vscode.CancellationToken): Promise<number> {
  const sessions = access.sessions();
  const memory = access.memory();
  if (!sessions || !memory) {
    sink.markdown('Lore memory is not available for this workspace (no index is open).');
    return 0;
  }
  sink.progress('Reading this conversation for what is worth remembering…');
  const ask = model
    ? async (prompt: string) => {
        const res = await model.sendRequest([vscode.LanguageModelChatMessage.User(prompt)], {}, token);
        let out = '';
        for await (const part of res.text) out += part;
        return out;
      }
    : undefined;
  const run = await proposeConsolidation(sessions, memory, sessionId, { namespace: workspaceNamespace(vscode.workspace.name), model: ask });
  if (!run.proposals.length) {
    await finishConsolidation(sessions, memory, sessionId, [], run.throughEventId, { by: 'chat' });
    sink.markdown(run.newEvents ? 'Nothing new to remember from this conversation.' : 'This conversation has been consolidated already: nothing new since.');
    return 0;
  }
  const how = run.source === 'model' ? 'proposed by the chat model' : `taken from the conversation${run.modelNote ? ` (${escapeMd(run.modelNote)})` : ''}`;
  sink.markdown(`${run.proposals.length} memor${run.proposals.length === 1 ? 'y' : 'ies'} ${how}; nothing is written until you review them:\n\n` +
    run.proposals.map((p) => bullet(`${p.namespace} ${p.key} (${p.type}): ${typeof p.value === 'string' ? p.value : JSON.stringify(p.value)}`)).join('\n') + '\n\n');
  stream.button({ command: 'lore.consolidateSession', title: 'Review and Remember…', arguments: [{ sessionId, proposal: run }] });
  return run.proposals.length;
}
