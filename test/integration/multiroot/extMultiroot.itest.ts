// Multi-root: one index per workspace folder (each its own file in the extension storage), searches
// merged across folders, per-folder status, and folders added/removed while open.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { MergedSearchResponse } from '../../../src/extension/loreAccess';
import type { StatusNode } from '../../../src/extension/views/statusTree';
import { eventually, loreApi } from '../extApi';

describe('Lore in a multi-root workspace', function () {
  it('opens one index per folder, in separate files outside the folders', async () => {
    const api = await loreApi('token bucket');
    const folders = vscode.workspace.workspaceFolders!;
    assert.equal(folders.length, 2);
    const status = (await api.access.status());
    assert.deepEqual(status.map((s) => s.folder).sort(), ['api-service', 'web-app']);
    assert.notEqual(status[0].dbPath, status[1].dbPath);
    for (const s of status) {
      assert.ok(fs.existsSync(s.dbPath));
      for (const f of folders) assert.ok(!s.dbPath.startsWith(f.uri.fsPath), 'never inside a folder');
    }
  });

  it('merges search results across folders, each with its folder and URI', async () => {
    const api = await loreApi('token bucket');
    const r = (await vscode.commands.executeCommand('lore.search', 'customer portal', { mode: 'keyword' })) as MergedSearchResponse;
    const folders = new Set(r.results.map((x) => x.folder));
    assert.ok(folders.has('web-app') && folders.has('api-service'), `folders: ${[...folders]}`);
    for (const x of r.results) assert.ok(x.uri.fsPath.includes(`${path.sep}${x.folder}${path.sep}`));
    const offline = (await api.access.search('service worker')).results[0];
    assert.equal(offline.folder, 'web-app');
    assert.equal(offline.path, 'docs/offline-mode.md');
  });

  it('shows each folder in Index Status', async () => {
    const api = await loreApi('token bucket');
    const roots = ((await api.trees.status.getChildren()) ?? []) as StatusNode[];
    assert.deepEqual(roots.map((n) => (n.kind === 'folder' ? n.folder.name : n.kind)).sort(), ['api-service', 'web-app']);
  });

  it('indexes a folder added to the workspace and forgets a removed one', async function () {
    this.timeout(60_000);
    const api = await loreApi('token bucket');
    const root = path.dirname(vscode.workspace.workspaceFolders![0].uri.fsPath);
    const extra = path.join(root, 'extra-notes');
    fs.mkdirSync(extra, { recursive: true });
    fs.writeFileSync(path.join(extra, 'pangolins.md'), '# Pangolins\n\nPangolin notes for the third folder.\n');
    const n = vscode.workspace.workspaceFolders!.length;
    assert.ok(vscode.workspace.updateWorkspaceFolders(n, 0, { uri: vscode.Uri.file(extra) }));
    await eventually(async () => api.access.lores().length === 3 && api.access.isReady() && (await api.access.search('pangolin')).results.length === 1, 'the added folder is indexed', 30_000);
    assert.ok(vscode.workspace.updateWorkspaceFolders(n, 1));
    await eventually(() => api.access.lores().length === 2, 'the removed folder is closed', 30_000);
    assert.equal((await api.access.search('pangolin')).results.length, 0);
  });
});
