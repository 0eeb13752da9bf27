// @lore and the tools in a two-folder workspace (web-app + api-service): paths carry the folder's
// name, references point into the right folder, and lore_get_document resolves "folder/path".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';
import { handleChatRequest } from '../../../src/extension/chat/participant';
import type { LoreAccess } from '../../../src/extension/loreAccess';
import { loreApi } from '../extApi';

const ADR = 'api-service/docs/adr/0001-rate-limiting.md';

async function getAccess(): Promise<LoreAccess> {
  return (await loreApi('token bucket')).access;
}

async function invoke(name: string, input: object): Promise<string> {
  const result = await vscode.lm.invokeTool(name, { toolInvocationToken: undefined, input }, new vscode.CancellationTokenSource().token);
  return result.content.map((p) => (p as { value?: unknown }).value).filter((v): v is string => typeof v === 'string').join('');
}

describe('@lore and tools in a multi-root workspace', function () {
  let access: LoreAccess;
  before(async function () {
    this.timeout(60_000);
    access = await getAccess();
  });

  it('lore_search names each passage with its folder, and lore_get_document reads it back by that path', async () => {
    const text = await invoke('lore_search', { query: 'token bucket rate limiting' });
    assert.match(text, /\[1\] api-service\/docs\/adr\/0001-rate-limiting\.md:\d+-\d+/);
    const doc = await invoke('lore_get_document', { path: ADR, startLine: 13, endLine: 16 });
    assert.match(doc, /token bucket of 20 requests/);
    assert.match(doc, /lines 13-16/);
  });

  it('chat references point into the right folder and are recorded with the folder name', async () => {
    const parts: { kind: string; value: unknown; title?: string }[] = [];
    const stream = {
      markdown: (v: string) => parts.push({ kind: 'markdown', value: v }),
      anchor: (v: vscode.Location, title?: string) => parts.push({ kind: 'anchor', value: v, title }),
      reference: (v: vscode.Location) => parts.push({ kind: 'reference', value: v }),
      progress: () => undefined,
      button: () => undefined,
      filetree: () => undefined,
      push: () => undefined,
    } as unknown as vscode.ChatResponseStream;
    const req = { prompt: 'What is our rate limit per API key?', command: undefined, references: [], toolReferences: [], model: undefined } as unknown as vscode.ChatRequest;
    const result = await handleChatRequest(access, req, { history: [] }, stream, new vscode.CancellationTokenSource().token, { newId: () => `mr-${Date.now()}` });
    const refs = parts.filter((p) => p.kind === 'reference').map((p) => p.value as vscode.Location);
    const ref = refs.find((r) => r.uri.fsPath.endsWith('api-service/docs/adr/0001-rate-limiting.md'));
    assert.ok(ref, refs.map((r) => r.uri.fsPath).join(', '));
    const lines = fs.readFileSync(ref.uri.fsPath, 'utf8').split('\n').slice(ref.range.start.line, ref.range.end.line + 1).join('\n');
    assert.match(lines, /token bucket/);
    assert.ok(parts.some((p) => p.kind === 'anchor' && p.title?.startsWith(`${ADR}:`)));
    const sessionId = (result.metadata as { loreSessionId: string }).loreSessionId;
    const response = (await access.sessions()!.events(sessionId)).find((e) => e.type === 'chat.response');
    const recorded = response?.payload.references as { path: string }[];
    assert.ok(recorded.some((r) => r.path === ADR), JSON.stringify(recorded));
  });
});
