// Files changed on disk reach the index while VS Code is open: a saved file appears in search,
// a deleted one leaves, and the Search view marks results of files changed since indexing as stale.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LoreExtensionApi } from '../../src/extension/extension';
import { eventually, loreApi, workspaceRoot } from './extApi';

const enc = new TextEncoder();

describe('Lore keeps the index fresh', function () {
  let api: LoreExtensionApi;
  before(async () => {
    api = await loreApi();
  });

  it('a file saved on disk appears in search, and leaves when deleted', async function () {
    this.timeout(30_000);
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'docs/design/capybara-cache.md');
    await vscode.workspace.fs.writeFile(uri, enc.encode('# Capybara cache\n\n## Eviction\n\nThe capybara cache evicts entries after ten minutes.\n'));
    try {
      const hit = await eventually(async () => (await api.access.search('capybara')).results[0], 'the new file is searchable', 15_000);
      assert.equal(hit.path, 'docs/design/capybara-cache.md');
      assert.equal(hit.title, 'Capybara cache');
      assert.equal(hit.uri.fsPath, uri.fsPath);
    } finally {
      await vscode.workspace.fs.delete(uri);
    }
    await eventually(async () => (await api.access.search('capybara')).results.length === 0, 'the deleted file left the index', 15_000);
  });

  it('an edit saved in the editor is indexed', async function () {
    this.timeout(30_000);
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'notes/ideas.markdown');
    const doc = await vscode.workspace.openTextDocument(uri);
    const original = doc.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(doc.lineCount, 0), '\n## Wombat idea\n\nA wombat-shaped dashboard.\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save());
    try {
      const hit = await eventually(async () => (await api.access.search('wombat')).results[0], 'the saved edit is searchable', 15_000);
      assert.equal(hit.path, 'notes/ideas.markdown');
      assert.match(hit.headingPath, /Wombat idea/);
    } finally {
      await vscode.workspace.fs.writeFile(uri, enc.encode(original));
    }
    await eventually(async () => (await api.access.search('wombat')).results.length === 0, 'restored', 15_000);
  });

  it('the Index Status view and the status bar refresh while indexing', async () => {
    let fired = 0;
    const sub = api.access.onDidChange(() => fired++);
    try {
      await vscode.commands.executeCommand('lore.rebuild', true);
      await eventually(() => fired > 0, 'a change event during the rebuild');
      assert.match(api.statusBar.text, /Lore: (\d+ docs|keyword only)/);
    } finally {
      sub.dispose();
    }
  });
});
