// Durable memory in the real extension host, on test/fixtures/workspace: the language-model tools
// through vscode.lm, the Memories view and its commands, and @lore's /remember, /recall, /consolidate.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { handleChatRequest } from '../../src/extension/chat/participant';
import type { LoreExtensionApi } from '../../src/extension/extension';
import { RememberTool } from '../../src/extension/tools/memoryTools';
import type { MemoryNode } from '../../src/extension/views/memoryTree';
import { RecordingStream, request, scriptedModel } from './chatFakes';
import { eventually, loreApi } from './extApi';

const never = new vscode.CancellationTokenSource().token;

async function invoke(name: string, input: object): Promise<string> {
  const result = await vscode.lm.invokeTool(name, { toolInvocationToken: undefined, input }, never);
  return result.content.map((p) => (p as { value?: unknown }).value).filter((v): v is string => typeof v === 'string').join('');
}

/** Resolves at the tree's next change event. */
const nextChange = (api: LoreExtensionApi) => new Promise<void>((resolve) => {
  const sub = api.trees.memories.onDidChangeTreeData(() => {
    sub.dispose();
    resolve();
  });
});

describe('Lore memory in the extension host', function () {
  let api: LoreExtensionApi;
  before(async function () {
    this.timeout(60_000);
    api = await loreApi();
  });

  it('lore_remember asks the user to confirm, writes as lm:lore_remember; lore_recall and lore_search read it back', async () => {
    for (const name of ['lore_remember', 'lore_recall']) {
      const info = vscode.lm.tools.find((t) => t.name === name);
      assert.ok(info, `${name} is not in vscode.lm.tools`);
      assert.ok(info.tags.includes('memory'));
    }
    const prepared = new RememberTool(api.access).prepareInvocation({ input: { namespace: 'project:fixture:ledger', key: 'db-engine', value: 'The ledger runs on PostgreSQL 16' } } as never);
    assert.equal(prepared?.confirmationMessages?.title, 'Remember this in Lore?');
    assert.match((prepared?.confirmationMessages?.message as vscode.MarkdownString).value, /Remember as project:fixture:ledger db-engine \(semantic\): "The ledger runs on PostgreSQL 16"/);
    const changed = nextChange(api);
    assert.equal(await invoke('lore_remember', { namespace: 'project:fixture:ledger', key: 'db-engine', value: 'The ledger runs on PostgreSQL 16' }), 'Remembered project:fixture:ledger db-engine as version 1.');
    await changed; // the Memories view hears of it
    const e = await api.access.memory()!.recall('project:fixture:ledger', 'db-engine');
    assert.deepEqual([e?.value, e?.updatedBy], ['The ledger runs on PostgreSQL 16', 'lm:lore_remember']);
    assert.match(await invoke('lore_recall', { namespace: 'project:fixture:ledger', key: 'db-engine' }), /^project:fixture:ledger db-engine \(v1, semantic, .* by lm:lore_remember\):\nThe ledger runs on PostgreSQL 16$/);
    assert.match(await invoke('lore_recall', { query: 'which database does the ledger use' }), /1 remembered fact\(s\) match[\s\S]*db-engine/);
    assert.match(await invoke('lore_recall', { namespace: 'project' }), /^1 memory in project:/);
    const search = await invoke('lore_search', { query: 'PostgreSQL ledger' });
    assert.match(search, /^1 remembered fact\(s\) match .*\n- project:fixture:ledger db-engine[\s\S]*\[1\] docs\/adr\/0002/);
    await assert.rejects(invoke('lore_remember', { namespace: 'Ledger', key: 'k', value: 'v' }), /is not a memory namespace/);
  });

  it('the Memories view: namespaces, keys with their latest value, versions; edit, forget, restore and copy through its commands', async () => {
    const tree = api.trees.memories;
    await vscode.commands.executeCommand('lore.memory.remember', { namespace: 'project:fixture:ops', key: 'staging', value: 'reset nightly' });
    await vscode.commands.executeCommand('lore.memory.remember', { namespace: 'project:fixture:ops', key: 'staging', value: 'reset weekly' });
    const roots = await tree.getChildren();
    const ops = roots.find((n) => n.kind === 'namespace' && n.namespace === 'project:fixture:ops');
    assert.ok(ops, JSON.stringify(roots));
    assert.equal(tree.getTreeItem(ops).description, '1');
    const [entry] = await tree.getChildren(ops);
    const item = tree.getTreeItem(entry);
    assert.deepEqual([item.label, item.description, item.contextValue], ['staging', 'reset weekly', 'memoryEntry']);
    const versions = await tree.getChildren(entry);
    assert.deepEqual(versions.map((v) => tree.getTreeItem(v).label), ['v2 (current)', 'v1']);
    // Restore v1 from its row, then forget (no dialog when asked not to), then restore again.
    await vscode.commands.executeCommand('lore.memory.restoreVersion', versions[1]);
    assert.equal((await api.access.memory()!.recall('project:fixture:ops', 'staging'))?.value, 'reset nightly');
    const md = await vscode.commands.executeCommand<string>('lore.memory.copyAsMarkdown', entry);
    assert.match(md, /^# project:fixture:ops\n\n## staging\n/);
    assert.equal(await vscode.env.clipboard.readText(), md);
    assert.equal(await vscode.commands.executeCommand('lore.memory.forget', entry, { confirm: false }), true);
    assert.equal(await api.access.memory()!.recall('project:fixture:ops', 'staging'), undefined);
    assert.ok(!(await tree.getChildren()).some((n) => n.kind === 'namespace' && n.namespace === 'project:fixture:ops'), 'a forgotten key leaves the view');
    const history = await api.access.memory()!.history('project:fixture:ops', 'staging');
    await vscode.commands.executeCommand('lore.memory.restoreVersion', { kind: 'version', entry: history[0], latest: history[0] } satisfies MemoryNode);
    assert.equal((await api.access.memory()!.recall('project:fixture:ops', 'staging'))?.version, 4);
    // Delete for Good: every version goes.
    const [again] = await tree.getChildren((await tree.getChildren()).find((n) => n.kind === 'namespace' && n.namespace === 'project:fixture:ops'));
    assert.equal(await vscode.commands.executeCommand('lore.memory.purge', again, { confirm: false }), 4);
    assert.deepEqual(await api.access.memory()!.history('project:fixture:ops', 'staging'), []);
  });

  it('export and import through the commands: JSON and one markdown file per namespace', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-itest-memory-'));
    try {
      const n = await vscode.commands.executeCommand<number>('lore.memory.export', vscode.Uri.file(path.join(dir, 'all.json')), 'json');
      assert.ok(n && n >= 1, String(n));
      await vscode.commands.executeCommand('lore.memory.export', vscode.Uri.file(path.join(dir, 'md')), 'markdown');
      assert.ok(fs.readdirSync(path.join(dir, 'md')).includes('project.fixture.ledger.md'));
      const again = await vscode.commands.executeCommand<{ written: number; unchanged: number }>('lore.memory.import', vscode.Uri.file(path.join(dir, 'md')));
      assert.deepEqual(again, { written: 0, unchanged: n });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('@lore /remember keeps what was typed, /recall finds it, /consolidate proposes from the conversation and writes what is accepted', async () => {
    const stream = new RecordingStream();
    await handleChatRequest(api.access, request('project:fixture:deploy rollback = roll back with the previous image tag', { command: 'remember' }), { history: [] } as never, stream as never, never);
    assert.match(stream.text, /Remembered as \*\*project:fixture:deploy rollback\*\* \(version 1\)/);
    assert.deepEqual(stream.buttons.map((b) => b.title), ['Edit', 'Forget']);
    const recall = new RecordingStream();
    await handleChatRequest(api.access, request('how do we roll back', { command: 'recall' }), { history: [] } as never, recall as never, never);
    assert.match(recall.text, /1 memory matches “how do we roll back”:\n\n- project:fixture:deploy rollback/);
    // A conversation: a question answered from the docs, then /consolidate with a scripted model.
    const asked = new RecordingStream();
    const first = await handleChatRequest(api.access, request('Why PostgreSQL for the ledger?'), { history: [] } as never, asked as never, never);
    const sessionId = (first.metadata as { loreSessionId: string }).loreSessionId;
    const history = [{ prompt: 'Why PostgreSQL for the ledger?', command: undefined, participant: 'lore.chat', references: [] }, { result: first, response: [], participant: 'lore.chat' }];
    // The workspace's namespace is project:<its name> (this fixture's folder is "workspace").
    const { model } = scriptedModel(['[{"namespace": "project:workspace", "key": "ledger-db", "value": "The ledger uses PostgreSQL for its transactions.", "type": "semantic"}]']);
    const cons = new RecordingStream();
    await handleChatRequest(api.access, request('', { command: 'consolidate', model }), { history } as never, cons as never, never);
    assert.match(cons.text, /1 memory proposed by the chat model; nothing is written until you review them:\n\n- project:workspace ledger-db \\\(semantic\\\): The ledger uses PostgreSQL/);
    assert.equal(await api.access.memory()!.recall('project:workspace', 'ledger-db'), undefined, 'nothing written before the review');
    const [review] = cons.buttons;
    assert.equal(review.command, 'lore.consolidateSession');
    const args = review.arguments![0] as { sessionId: string };
    assert.equal(args.sessionId, sessionId);
    const done = await vscode.commands.executeCommand<{ written: number }>('lore.consolidateSession', { ...args, accept: 'all' });
    assert.equal(done.written, 1);
    assert.equal((await api.access.memory()!.recall('project:workspace', 'ledger-db'))?.value, 'The ledger uses PostgreSQL for its transactions.');
    const session = await api.access.sessions()!.get(sessionId);
    assert.equal((session?.state.consolidation as { status: string }).status, 'consolidated');
    await eventually(async () => (await api.access.memory()!.audit({ namespace: 'project:workspace', key: 'ledger-db' }))[0]?.operation === 'consolidate', 'the write audited as consolidate');
  });
});
