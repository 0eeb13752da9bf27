// Every "Lore: …" command, run through vscode.commands.executeCommand in the real extension host on
// test/fixtures/workspace. Commands take optional arguments so no prompt has to be answered.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ReconcileSummary } from '../../src/core/index/reconcile';
import type { LoreExtensionApi } from '../../src/extension/extension';
import type { MergedSearchResponse } from '../../src/extension/loreAccess';
import { LoreWorkspace } from '../../src/extension/lores';
import { statusBarText } from '../../src/extension/statusBar';
import { StatusTreeProvider } from '../../src/extension/views/statusTree';
import { captureMessages, eventually, loreApi, workspaceRoot } from './extApi';

const ADR = 'docs/adr/0002-use-postgres-for-the-ledger.md';
const PALETTE = [
  'lore.search', 'lore.searchSelection', 'lore.reindex', 'lore.rebuild', 'lore.pauseIndexing', 'lore.resumeIndexing', 'lore.showIndexStatus',
  'lore.validate', 'lore.retryFailed', 'lore.selectEmbeddingModel', 'lore.openSession', 'lore.clearSessionHistory',
  'lore.backupHistory', 'lore.restoreHistory',
];

describe('Lore commands', function () {
  let api: LoreExtensionApi;
  before(async () => {
    api = await loreApi();
  });

  it('registers every command, titled "Lore: …" in the palette', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const pkg = vscode.extensions.getExtension('lore-dev.lore')!.packageJSON as { contributes: { commands: { command: string; category?: string }[] } };
    for (const id of PALETTE) {
      assert.ok(registered.has(id), `${id} is registered`);
      const c = pkg.contributes.commands.find((x) => x.command === id);
      assert.equal(c?.category, 'Lore', `${id} is in the Lore category`);
    }
    for (const c of pkg.contributes.commands) assert.ok(registered.has(c.command), `${c.command} is declared and registered`);
  });

  it('activation only registers things: it is quick', async () => {
    console.log(`      activate() took ${api.activationMs.toFixed(1)} ms`);
    assert.ok(api.activationMs < 250, `activate() took ${api.activationMs} ms`);
  });

  it('keeps the index in the extension storage, never in the workspace', async () => {
    const [s] = (await api.access.status());
    assert.ok(!s.dbPath.startsWith(workspaceRoot().fsPath), `${s.dbPath} is outside the workspace`);
    assert.ok(fs.existsSync(s.dbPath));
    assert.ok(!fs.existsSync(path.join(workspaceRoot().fsPath, '.lore')));
  });

  it('Search: finds the ADR, shows it in the Search view and opens it at the chunk line', async () => {
    const r = (await vscode.commands.executeCommand('lore.search', 'PostgreSQL ledger', { open: 0, mode: 'keyword' })) as MergedSearchResponse;
    assert.equal(r.results[0].path, ADR);
    assert.ok(r.results[0].title.includes('PostgreSQL'));
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.equal(editor.document.uri.fsPath, r.results[0].uri.fsPath);
    assert.equal(editor.selection.active.line, r.results[0].startLine - 1, 'cursor on the chunk’s first line');
    const groups = api.trees.search.groups();
    assert.equal(groups[0].path, ADR, 'the Search view shows the result grouped by document');
  });

  it('Search Selection: searches for the given (or selected) text', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceRoot(), ADR));
    const editor = await vscode.window.showTextDocument(doc);
    const line = doc.getText().split('\n').findIndex((l) => l.includes('ledger stores'));
    assert.ok(line >= 0);
    editor.selection = new vscode.Selection(line, 4, line, 17); // "ledger stores"
    const r = (await vscode.commands.executeCommand('lore.searchSelection', editor.document.getText(editor.selection))) as MergedSearchResponse;
    assert.ok(r.results.some((x) => x.path === ADR));
    assert.equal(api.trees.search.last?.query, 'ledger stores');
  });

  it('Reindex Workspace: reports an up-to-date index as unchanged', async () => {
    const sum = (await vscode.commands.executeCommand('lore.reindex')) as ReconcileSummary;
    assert.equal(sum.added + sum.changed + sum.removed, 0);
    assert.equal(sum.scanned, 10);
  });

  it('Rebuild Index: drops and rebuilds from the markdown, search still works', async () => {
    const before = (await api.access.status())[0].documents;
    const sum = (await vscode.commands.executeCommand('lore.rebuild', true)) as ReconcileSummary;
    assert.equal(sum.added + sum.failed, before, 'every document is indexed anew (the binary one fails again)');
    assert.equal((await api.access.status())[0].documents, before);
    assert.equal((await api.access.search('PostgreSQL')).results[0]?.path, ADR);
  });

  it('Validate Index: the index is consistent', async () => {
    const reports = (await vscode.commands.executeCommand('lore.validate')) as { ok: boolean }[];
    assert.equal(reports.length, 1);
    assert.equal(reports[0].ok, true);
  });

  it('Retry Failed Files: the binary file fails again, with its reason', async () => {
    const sum = (await vscode.commands.executeCommand('lore.retryFailed')) as ReconcileSummary;
    assert.equal(sum.failed, 1);
    const failed = await api.access.lores()[0].lore.files('failed');
    assert.deepEqual(failed.map((f) => f.path), ['notes/scanned-manifest.md']);
    assert.match(failed[0].error ?? '', /binary/);
  });

  it('Pause / Resume Indexing: no indexing while paused, caught up on resume', async function () {
    this.timeout(30_000);
    await vscode.commands.executeCommand('lore.pauseIndexing');
    assert.equal(api.access.isPaused, true);
    assert.match(api.statusBar.text, /paused/);
    // Paused means nothing watches the folder and nothing is indexing: no change can be indexed.
    assert.deepEqual((await api.access.status()).map((s) => [s.watching, s.indexing]), [[false, null]]);
    const file = path.join(workspaceRoot().fsPath, 'notes/paused-note.md');
    const seen = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(workspaceRoot(), 'notes/paused-note.md'));
    const created = new Promise<void>((resolve) => seen.onDidCreate(() => resolve()));
    fs.writeFileSync(file, '# Paused note\n\nquokkas were seen while paused\n');
    try {
      await created; // the change has reached the editor: a live watcher would have it too
      seen.dispose();
      assert.deepEqual((await api.access.status()).map((s) => [s.watching, s.indexing]), [[false, null]], 'still not watching');
      assert.equal((await api.access.search('quokkas')).results.length, 0, 'not indexed while paused');
      await vscode.commands.executeCommand('lore.resumeIndexing');
      assert.equal(api.access.isPaused, false);
      await eventually(async () => (await api.access.search('quokkas')).results.length === 1, 'indexed after resume');
    } finally {
      fs.rmSync(file, { force: true });
    }
    await eventually(async () => (await api.access.search('quokkas')).results.length === 0, 'removed again (watching resumed)');
  });

  it('Show Index Status: focuses the Index Status view', async () => {
    await vscode.commands.executeCommand('lore.showIndexStatus');
    const roots = await api.trees.status.getChildren();
    assert.ok(roots.length > 0);
  });

  it('Select Embedding Model: sets lore.embedding.model', async () => {
    const cfg = () => vscode.workspace.getConfiguration('lore');
    const before = cfg().inspect<string>('embedding.model')?.workspaceValue;
    try {
      const chosen = await vscode.commands.executeCommand('lore.selectEmbeddingModel', 'all-minilm');
      assert.equal(chosen, 'all-minilm');
      assert.equal(cfg().get('embedding.model'), 'all-minilm');
    } finally {
      await cfg().update('embedding.model', before, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('Open Session: returns this window’s session with its searches and opened results', async () => {
    const id = api.history.currentId;
    assert.ok(id, 'the searches above created a session');
    const r = (await vscode.commands.executeCommand('lore.openSession', id)) as { events: { type: string; payload: Record<string, unknown> }[] };
    const searches = r.events.filter((e) => e.type === 'search').map((e) => e.payload.query);
    assert.ok(searches.includes('PostgreSQL ledger'));
    assert.ok(searches.includes('ledger stores'));
    const opened = r.events.filter((e) => e.type === 'open');
    assert.equal(opened[0]?.payload.path, ADR);
  });

  it('Clear Session History: deletes every session; the next search starts a new one', async () => {
    const n = (await vscode.commands.executeCommand('lore.clearSessionHistory', true)) as number;
    assert.ok(n >= 1);
    assert.equal((await api.access.sessions()!.list()).length, 0);
    await vscode.commands.executeCommand('lore.search', 'reconciliation');
    assert.equal((await api.access.sessions()!.list()).length, 1);
  });

  it('Back Up / Restore Session History: a copy of the history, restored after it was cleared', async () => {
    await vscode.commands.executeCommand('lore.search', 'idempotency keys');
    const before = (await api.access.sessions()!.list()).map((s) => s.id);
    const copy = (await vscode.commands.executeCommand('lore.backupHistory', path.join(os.tmpdir(), `lore-itest-history-${Date.now()}.db`))) as string;
    assert.ok(fs.existsSync(copy), 'the backup file exists');
    await vscode.commands.executeCommand('lore.clearSessionHistory', true);
    assert.equal((await api.access.sessions()!.list()).length, 0);
    const kept = (await vscode.commands.executeCommand('lore.restoreHistory', copy)) as string;
    assert.ok(fs.existsSync(kept), 'what the history held before the restore is kept');
    assert.deepEqual((await api.access.sessions()!.list()).map((s) => s.id), before);
    fs.rmSync(copy, { force: true });
  });

  it('right after activation, before the folders are known, says "opening", never "no folder open" or "0 docs"', async () => {
    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-itest-start-'));
    const ws = new LoreWorkspace({ storageDir });
    const tree = new StatusTreeProvider(ws);
    try {
      assert.equal(ws.isReady(), false);
      assert.match((await statusBarText(ws)).text, /Lore: opening/);
      assert.deepEqual((await tree.getChildren()).map((n) => n.kind === 'info' && n.label), ['Lore is still opening the index…']);
      ws.openFolders([]); // a window with no folder: now that is what it says
      assert.equal(ws.isReady(), true);
      assert.deepEqual((await tree.getChildren()).map((n) => n.kind === 'info' && n.label), ['No folder open']);
    } finally {
      tree.dispose();
      await ws.dispose();
      fs.rmSync(storageDir, { recursive: true, force: true });
    }
  });

  it('says "Lore is still opening the index" while an index opens, rather than failing', async () => {
    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-itest-opening-'));
    const ws = new LoreWorkspace({ storageDir });
    try {
      ws.openFolders([vscode.workspace.workspaceFolders![0]]);
      assert.equal(ws.isReady(), false);
      await assert.rejects(ws.search('ledger'), /Lore is still opening the index/);
      await ws.ready();
      assert.equal(ws.isReady(), true);
    } finally {
      await ws.dispose();
      fs.rmSync(storageDir, { recursive: true, force: true });
    }
    // The real commands say so too: captured while the extension's own indexes reopen.
    const reopening = api.access.reopenAll();
    const { messages } = await captureMessages(() => vscode.commands.executeCommand('lore.validate'));
    await reopening;
    assert.ok(messages.some((m) => /still opening the index/.test(m)), `messages: ${JSON.stringify(messages)}`);
    await loreApi();
  });
});
