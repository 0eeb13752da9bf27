// Lore's language-model tools (#loreSearch, #loreDocument, #loreRelated, #loreSessions, and the
// memory tools in memoryTools.ts): Copilot's agent mode and any extension can search the workspace's
// docs, read a document, find what relates to one, recall session history, and remember and recall
// durable facts.

import * as vscode from 'vscode';
import type { LoreAccess } from '../loreAccess';
import { formatMemoryHits } from '../../core/memory/format';
import { formatRelatedText } from '../../core/related/format';
import { budgetForToolCall as toolBudget, cutText } from '../../core/search/passages';
import { workspaceRecorder } from '../history';
import { activeFilePath } from '../openFiles';
import { formatEventMatches, formatSessions } from '../chat/format';
import { relatedAt, retrieve, throwIfCancelled, unlessCancelled } from '../chat/retrieve';
import { memoryTools } from './memoryTools';
import {
  describeSearchInput,
  formatDocumentResult,
  formatSearchResult,
  notIndexedError,
  parseDocumentInput,
  parseRelatedInput,
  parseSearchInput,
  parseSessionsInput,
  TOOL_NAMES,
} from './format';

const text = (value: string) => new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(value)]);

/** Tool calls are recorded in one session per day, so /sessions and lore_sessions can recall them. */
function recordTool(access: LoreAccess, tool: string, input: Record<string, unknown>): void {
  const recorder = workspaceRecorder(access, { policy: 'day', idPrefix: 'tools', title: (day) => `Language-model tool calls, ${day}`, metadata: () => ({ source: 'tools' }) });
  void recorder.record('tool', { tool, input });
}

function describeInput(fn: () => string, fallback: string): string {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** The folder's uri and the document's uri for a path lore_search returned (or an absolute path). */
function candidateUris(access: LoreAccess, docPath: string): vscode.Uri[] {
  if (/^([a-zA-Z]:)?[\\/]/.test(docPath)) return [vscode.Uri.file(docPath)];
  const lores = access.lores();
  const out: vscode.Uri[] = [];
  const slash = docPath.indexOf('/');
  if (lores.length > 1 && slash > 0) {
    const prefix = docPath.slice(0, slash);
    const folder = lores.find((l) => l.folder.name === prefix);
    if (folder) out.push(vscode.Uri.joinPath(folder.folder.uri, docPath.slice(slash + 1)));
  }
  for (const l of lores) out.push(vscode.Uri.joinPath(l.folder.uri, docPath));
  return out;
}

export class SearchTool implements vscode.LanguageModelTool<Record<string, unknown>> {
  constructor(private readonly access: LoreAccess) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<Record<string, unknown>>): vscode.PreparedToolInvocation {
    return { invocationMessage: describeInput(() => describeSearchInput(parseSearchInput(options.input)), 'Searching Lore') };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<Record<string, unknown>>, token: vscode.CancellationToken) {
    const input = parseSearchInput(options.input);
    recordTool(this.access, TOOL_NAMES.search, options.input);
    const found = await retrieve(this.access, input.query, { k: input.k, mode: input.mode, documentTypes: input.documentTypes, pathGlob: input.pathGlob, fromPath: activeFilePath() }, token);
    const budget = toolBudget(options.tokenizationOptions?.tokenBudget);
    const memories = formatMemoryHits(found.memories);
    const docs = formatSearchResult({ query: input.query, mode: found.mode, fallbackReason: found.fallbackReason, total: found.passages.length }, found.passages, budget - memories.length);
    return text(memories ? `${memories}\n\n${docs}` : docs);
  }
}

export class DocumentTool implements vscode.LanguageModelTool<Record<string, unknown>> {
  constructor(private readonly access: LoreAccess) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<Record<string, unknown>>): vscode.PreparedToolInvocation {
    return {
      invocationMessage: describeInput(() => {
        const i = parseDocumentInput(options.input);
        const lines = i.startLine || i.endLine ? ` lines ${i.startLine ?? 1}-${i.endLine ?? 'end'}` : '';
        return `Reading ${i.path}${lines} from the Lore index`;
      }, 'Reading a document from the Lore index'),
    };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<Record<string, unknown>>, token: vscode.CancellationToken) {
    const input = parseDocumentInput(options.input);
    recordTool(this.access, TOOL_NAMES.document, options.input);
    await unlessCancelled(this.access.ready(), token);
    throwIfCancelled(token);
    const range = { startLine: input.startLine, endLine: input.endLine };
    for (const uri of candidateUris(this.access, input.path)) {
      const doc = await this.access.getDocument(uri, range);
      if (doc) return text(formatDocumentResult({ ...doc, path: input.path }, toolBudget(options.tokenizationOptions?.tokenBudget)));
    }
    throw notIndexedError(input.path);
  }
}

export class RelatedTool implements vscode.LanguageModelTool<Record<string, unknown>> {
  constructor(private readonly access: LoreAccess) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<Record<string, unknown>>): vscode.PreparedToolInvocation {
    return {
      invocationMessage: describeInput(() => {
        const i = parseRelatedInput(options.input);
        return `Finding what relates to ${i.path}${i.line ? `:${i.line}` : ''} in the Lore index`;
      }, 'Finding related documents in the Lore index'),
    };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<Record<string, unknown>>, token: vscode.CancellationToken) {
    const input = parseRelatedInput(options.input);
    recordTool(this.access, TOOL_NAMES.related, options.input);
    for (const uri of candidateUris(this.access, input.path)) {
      const found = await relatedAt(this.access, uri, { line: input.line }, token);
      if (found) {
        const budgetChars = toolBudget(options.tokenizationOptions?.tokenBudget);
        return text(formatRelatedText(found.result, { budgetChars, displayPath: found.show, readTool: TOOL_NAMES.document }));
      }
    }
    throw notIndexedError(input.path);
  }
}

export class SessionsTool implements vscode.LanguageModelTool<Record<string, unknown>> {
  constructor(private readonly access: LoreAccess) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<Record<string, unknown>>): vscode.PreparedToolInvocation {
    return {
      invocationMessage: describeInput(() => {
        const q = parseSessionsInput(options.input).query;
        return q ? `Looking through Lore session history for "${q}"` : 'Listing recent Lore sessions';
      }, 'Reading Lore session history'),
    };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<Record<string, unknown>>, token: vscode.CancellationToken) {
    const input = parseSessionsInput(options.input);
    await unlessCancelled(this.access.ready(), token);
    const store = this.access.sessions();
    if (!store) return text('Session history is not available for this workspace (no index is open).');
    const body = input.query
      ? formatEventMatches(input.query, await store.findEvents(input.query, { limit: input.limit }))
      : formatSessions(await store.list({ limit: input.limit }));
    return text(cutText(body, toolBudget(options.tokenizationOptions?.tokenBudget)));
  }
}

/** Registers the tools (when this VS Code has the language-model tool API). */
export function registerTools(_context: vscode.ExtensionContext, access: LoreAccess): vscode.Disposable {
  if (typeof vscode.lm?.registerTool !== 'function') return new vscode.Disposable(() => undefined);
  return vscode.Disposable.from(
    vscode.lm.registerTool(TOOL_NAMES.search, new SearchTool(access)),
    vscode.lm.registerTool(TOOL_NAMES.document, new DocumentTool(access)),
    vscode.lm.registerTool(TOOL_NAMES.related, new RelatedTool(access)),
    vscode.lm.registerTool(TOOL_NAMES.sessions, new SessionsTool(access)),
    ...memoryTools(access),
  );
}
