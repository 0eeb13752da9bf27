// Smoke test of the integration harness: the extension host loads Lore from this checkout,
// it activates, and the fixture workspace is the one open.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';

describe('smoke: Lore in the extension host', () => {
  it('activates the Lore extension', async () => {
    const ext = vscode.extensions.getExtension('lore-dev.lore');
    assert.ok(ext, 'lore-dev.lore is not among the loaded extensions');
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('opens the fixture workspace copy', async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1);
    assert.equal(folders[0].uri.fsPath, process.env.LORE_TEST_WORKSPACE);
    assert.ok(fs.existsSync(path.join(folders[0].uri.fsPath, 'docs/adr/0002-use-postgres-for-the-ledger.md')));
  });

  it('registers Lore commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.some((c) => c.startsWith('lore.')), 'no lore.* command registered');
  });
});
