// Lore's memory tools for language models: lore_remember (asks the user to confirm every write)
// and lore_recall (one memory, a namespace's memories, or the ones that match a question).

import * as vscode from 'vscode';
import { formatMemory, formatMemoryHits, formatMemoryList } from '../../core/memory/format';
import { budgetForToolCall as toolBudget, cutText } from '../../core/search/passages';
import { unlessCancelled } from '../chat/retrieve';
import type { LoreAccess } from '../loreAccess';
import { TOOL_NAMES } from './format';
import { describeRemember, parseRecallInput, parseRememberInput } from './memoryInput';


const text = (value: string) => new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(value)]);

function memoryOf(access: LoreAccess) {
  const store = access.memory();
  if (!store) throw new Error('Lore memory is not available for this workspace (no index is open).');
  return store;
}

export class RememberTool implements vscode.LanguageModelTool<Record<string, unknown>> {
  constructor(private readonly access: LoreAccess) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<Record<string, unknown>>): vscode.PreparedToolInvocation {
    let input;
    try {
      input = parseRememberInput(options.input);
    } catch {
      return { invocationMessage: 'Checking what to remember' }; // invoke says what is wrong
    }
    return {
      invocationMessage: `Remembering ${input.namespace} ${input.key}`,
      confirmationMessages: {
        title: 'Remember this in Lore?',
        message: new vscode.MarkdownString(`${describeRemember(input)}\n\nKept in this workspace's Lore memory (a new version if the key exists; earlier versions stay in its history).`),
      },
    };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<Record<string, unknown>>, token: vscode.CancellationToken) {
    const input = parseRememberInput(options.input);
    await unlessCancelled(this.access.ready(), token);
    const e = await memoryOf(this.access).remember(input.namespace, input.key, input.value, { by: `lm:${TOOL_NAMES.remember}`, type: input.type, ttlMs: input.ttlMs });
    return text(`Remembered ${e.namespace} ${e.key} as version ${e.version}.`);
  }
}

export class RecallTool implements vscode.LanguageModelTool<Record<string, unknown>> {
  constructor(private readonly access: LoreAccess) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<Record<string, unknown>>): vscode.PreparedToolInvocation {
    try {
      const i = parseRecallInput(options.input);
      return { invocationMessage: i.key ? `Recalling ${i.namespace} ${i.key}` : i.query ? `Looking through Lore memory for "${i.query}"` : `Listing Lore memory${i.prefix ? ` in ${i.prefix}` : ''}` };
    } catch {
      return { invocationMessage: 'Reading Lore memory' };
    }
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<Record<string, unknown>>, token: vscode.CancellationToken) {
    const input = parseRecallInput(options.input);
    await unlessCancelled(this.access.ready(), token);
    const store = memoryOf(this.access);
    const budget = toolBudget(options.tokenizationOptions?.tokenBudget);
    if (input.namespace && input.key) {
      const e = await store.recall(input.namespace, input.key);
      return text(e ? formatMemory(e) : `Nothing is remembered as ${input.namespace} ${input.key}.`);
    }
    if (input.query) {
      const hits = await store.search(input.query, { prefix: input.prefix, limit: 20 });
      return text(cutText(formatMemoryHits(hits) || `No memory matches "${input.query}".`, budget));
    }
    return text(cutText(formatMemoryList(await store.list(input.prefix, { limit: 200 }), input.prefix), budget));
  }
}

export function memoryTools(access: LoreAccess): vscode.Disposable[] {
  return [
    vscode.lm.registerTool(TOOL_NAMES.remember, new RememberTool(access)),
    vscode.lm.registerTool(TOOL_NAMES.recall, new RecallTool(access)),
  ];
}

