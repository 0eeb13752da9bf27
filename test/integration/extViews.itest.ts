// The three tree views (Search, Sessions, Index Status) and the status bar, after indexing
// test/fixtures/workspace, read through their tree data providers as VS Code renders them.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LoreExtensionApi } from '../../src/extension/extension';
import type { SearchNode } from '../../src/extension/views/searchTree';
import type { SessionNode } from '../../src/extension/views/sessionsTree';
import type { StatusNode } from '../../src/extension/views/statusTree';
import { eventually, loreApi } from './extApi';

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));

async function items<T>(p: vscode.TreeDataProvider<T>, parent?: T): Promise<{ node: T; item: vscode.TreeItem }[]> {
  const nodes = ((await p.getChildren(parent)) ?? []) as T[];
  return Promise.all(nodes.map(async (node) => ({ node, item: await p.getTreeItem(node) })));
}

describe('Lore views', function () {
  let api: LoreExtensionApi;
  before(async () => {
    api = await loreApi();
    await vscode.commands.executeCommand('workbench.view.extension.lore');
  });

  it('Search view: empty shows the welcome (no items); results grouped by document with chunk children', async () => {
    await vscode.commands.executeCommand('lore.search', 'manifest import', { mode: 'keyword' });
    const roots = await items<SearchNode>(api.trees.search);
    assert.match(label(roots[0].item), /"manifest import": \d+ results? \(keyword\)/);
    const docs = roots.filter((r) => r.node.kind === 'doc');
    assert.ok(docs.length >= 1);
    assert.ok(docs.some((d) => d.item.description?.toString().includes('docs/adr/0003-idempotent-manifest-import.md')));
    const chunks = await items<SearchNode>(api.trees.search, docs[0].node);
    assert.ok(chunks.length >= 1);
    const first = chunks[0];
    assert.equal(first.item.command?.command, 'lore.openResult', 'clicking a chunk opens it');
    assert.match(String(first.item.description), /^L\d+–\d+ /, 'line range then snippet');

    // Clicking it opens the file at the chunk's line.
    const r = (first.node as Extract<SearchNode, { kind: 'chunk' }>).result;
    await vscode.commands.executeCommand(first.item.command!.command, ...(first.item.command!.arguments ?? []));
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, r.uri.fsPath);
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, r.startLine - 1);
    // Its tooltip says why it ranks there: the query words' share of the score, per field.
    const tip = (first.item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\/g, '');
    assert.match(tip, /Why here/);
    assert.match(tip, /keyword #1, BM25 [\d.]+( \(\+[\d.]+ for query words in the document's other passages\))?: "manifest" [\d.]+ \((title|heading|body)/);
  });

  it('Search view: switching the mode runs the last query again in that mode', async () => {
    await vscode.commands.executeCommand('lore.searchView.switchMode', 'semantic');
    const last = api.trees.search.last!;
    assert.equal(last.query, 'manifest import');
    assert.equal(last.requestedMode, 'semantic');
    await vscode.commands.executeCommand('lore.searchView.switchMode', 'keyword');
    assert.equal(api.trees.search.last!.mode, 'keyword');
  });

  it('Index Status view: counts per sync status, failed files with their reason and Retry, embedder, last sync', async () => {
    const roots = await items<StatusNode>(api.trees.status);
    const byLabel = new Map(roots.map((r) => [label(r.item), r]));
    // No embedder answers here: the view says what is searchable, and no pending count that cannot move.
    const keyword = roots.find((r) => /searchable by keyword$/.test(label(r.item)));
    assert.equal(keyword && label(keyword.item), '9 searchable by keyword', roots.map((r) => label(r.item)).join(' | '));
    assert.match(String(keyword!.item.description), /^semantic search off: /);
    assert.ok(!byLabel.has('Pending') && !byLabel.has('Synced'), 'no Synced/Pending counts while semantic search is off');
    assert.ok(!roots.some((r) => /^Embedding queue/.test(label(r.item))), 'no embedding queue that cannot move');
    const failed = byLabel.get('Failed');
    assert.equal(failed?.item.description, '1');
    assert.equal(failed?.item.contextValue, 'state.failed', 'the Failed group has a Retry (all) action');
    const files = await items<StatusNode>(api.trees.status, failed!.node);
    assert.equal(label(files[0].item), 'notes/scanned-manifest.md');
    assert.match(String(files[0].item.description), /binary content/, 'the failure reason is the description');
    assert.match(String(files[0].item.tooltip), /binary content/);
    assert.equal(files[0].item.contextValue, 'file.failed', 'each failed file has a Retry action');
    const retried = await vscode.commands.executeCommand('lore.retryFile', files[0].node);
    assert.ok(retried, 'Retry runs');
    assert.ok(roots.some((r) => /^Semantic search: /.test(label(r.item))), 'the embedder state is shown');
    assert.ok(roots.some((r) => /^Last sync: (just now|\d+ min ago)/.test(label(r.item))));
    assert.ok(roots.some((r) => /^10 documents$/.test(label(r.item))));
    const embedder = roots.find((r) => /^Semantic search/.test(label(r.item)))!;
    const fixes = await items<StatusNode>(api.trees.status, embedder.node);
    assert.ok(fixes.some((f) => f.item.command?.command === 'workbench.action.openSettings'), 'a fix action opens the settings');
  });

  it('Sessions view: today’s session with its searches and opened results, click re-runs a query', async () => {
    await eventually(() => api.history.currentId, 'a session exists');
    const groups = await items<SessionNode>(api.trees.sessions);
    assert.equal(label(groups[0].item), 'Today');
    const sessions = await items<SessionNode>(api.trees.sessions, groups[0].node);
    const mine = sessions.find((s) => s.node.kind === 'session' && s.node.session.id === api.history.currentId);
    assert.ok(mine, 'this window’s session is listed today');
    assert.equal(mine.item.contextValue, 'session', 'rename/delete/archive in its context menu');
    const events = await items<SessionNode>(api.trees.sessions, mine.node);
    const search = events.find((e) => label(e.item) === 'Search: manifest import');
    assert.ok(search, `events: ${events.map((e) => label(e.item)).join(' | ')}`);
    assert.match(String(search.item.description), /^\d{1,2}:\d{2}/, 'with its time');
    assert.equal(search.item.command?.command, 'lore.rerunQuery');
    assert.ok(events.some((e) => label(e.item).startsWith('Opened ')), 'the opened result is an event');
    await vscode.commands.executeCommand(search.item.command!.command, ...(search.item.command!.arguments ?? []));
    assert.equal(api.trees.search.last?.query, 'manifest import');
  });

  it('Sessions view: rename, archive and delete a session from its context menu', async () => {
    const store = api.access.sessions()!;
    const other = (await store.create({ title: 'older research' }));
    await store.record(other.id, 'search', { query: 'invoice parser', mode: 'keyword', k: 10, resultCount: 1 });
    await vscode.commands.executeCommand('lore.sessions.rename', { kind: 'session', session: other }, 'Invoice research');
    assert.equal((await store.get(other.id))?.title, 'Invoice research');
    await vscode.commands.executeCommand('lore.sessions.archive', { kind: 'session', session: other });
    const groups = await items<SessionNode>(api.trees.sessions);
    const archived = groups.find((g) => label(g.item) === 'Archived');
    assert.ok(archived, 'archived sessions are grouped apart');
    await vscode.commands.executeCommand('lore.sessions.delete', { kind: 'session', session: other }, true);
    assert.equal((await store.get(other.id)), undefined);
  });

  it('Sessions view: refreshes when history changes elsewhere (chat turns, tools)', async () => {
    let changes = 0;
    const sub = api.trees.sessions.onDidChangeTreeData(() => changes++);
    try {
      const store = api.access.sessions()!;
      await store.record(api.history.currentId!, 'chat.request', { prompt: 'why PostgreSQL?' });
      await eventually(() => changes > 0, 'the Sessions view was told to refresh');
    } finally {
      sub.dispose();
    }
  });

  it('status bar: "Lore: N docs" when idle, click opens Index Status', async () => {
    await api.statusBar.update();
    assert.match(api.statusBar.text, /Lore: (10 docs|keyword only)/);
  });
});
