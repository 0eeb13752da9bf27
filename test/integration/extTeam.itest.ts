// The team index in the editor: with lore.storage.backend = postgres and the server's settings, the
// workspace is indexed on the real PostgreSQL 15 server `npm test` starts (LORE_TEST_PG_URL), and
// Index Status says so with the server's health. When the server cannot be reached, Lore works on
// the local index and says why, in the status bar and Index Status; the sidebar is never blank.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LoreExtensionApi } from '../../src/extension/extension';
import type { StatusNode } from '../../src/extension/views/statusTree';
import { freshDatabase } from '../fixtures/postgres';
import { captureMessages, eventually, loreApi } from './extApi';

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));
const server = process.env.LORE_TEST_PG_URL;

describe('Lore on a team index (PostgreSQL)', function () {
  let api: LoreExtensionApi;
  const cfg = () => vscode.workspace.getConfiguration('lore');
  const keys = ['storage.backend', 'storage.postgres.host', 'storage.postgres.port', 'storage.postgres.user', 'storage.postgres.database', 'storage.postgres.project'];
  let saved: unknown[] = [];
  let db: { url: string; drop(): Promise<void> } | undefined;
  const set = async (values: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(values)) await cfg().update(k, v, vscode.ConfigurationTarget.Workspace);
  };
  const folderItems = async () => {
    const roots = ((await api.trees.status.getChildren()) ?? []) as StatusNode[];
    const folder = roots.find((n) => n.kind === 'folder');
    const nodes = folder ? (((await api.trees.status.getChildren(folder)) ?? []) as StatusNode[]) : roots;
    return Promise.all(nodes.map(async (n) => ({ node: n, item: await api.trees.status.getTreeItem(n) })));
  };

  before(async function () {
    if (!server) this.skip();
    api = await loreApi();
    saved = keys.map((k) => cfg().inspect(k)?.workspaceValue);
    db = await freshDatabase(server);
  });
  after(async () => {
    if (!server) return;
    for (const [i, k] of keys.entries()) await cfg().update(k, saved[i], vscode.ConfigurationTarget.Workspace);
    await eventually(async () => (await api.access.status()).every((s) => !s.team), 'back on the local index alone', 20_000);
    await db?.drop();
  });

  it('indexes the workspace on the server; Index Status shows the server and its health', async function () {
    this.timeout(60_000);
    const u = new URL(db!.url);
    await set({
      'storage.backend': 'postgres',
      'storage.postgres.host': u.hostname,
      'storage.postgres.port': Number(u.port),
      'storage.postgres.user': decodeURIComponent(u.username),
      'storage.postgres.database': u.pathname.slice(1),
      'storage.postgres.project': 'itest-team',
    });
    const s = await eventually(async () => {
      const st = (await api.access.status())[0];
      return st?.team?.state === 'connected' && st.documents > 0 && !st.indexing ? st : undefined;
    }, 'the workspace indexed on the team server', 40_000);
    assert.match(s.dbPath, /^postgres:\/\/.*#itest-team$/);
    const r = await api.access.search('PostgreSQL ledger');
    assert.ok(r.results.length > 0, 'search answers from the server');
    const items = await folderItems();
    const team = items.find(({ item }) => label(item) === 'Team index: itest-team');
    assert.ok(team, `an Index Status line for the team index: ${items.map(({ item }) => label(item)).join(' | ')}`);
    assert.match(String(team.item.description), /^\d+ ms · PostgreSQL 15\.\d+ · no pgvector$/);
    await api.statusBar.update();
    assert.doesNotMatch(api.statusBar.text, /unreachable|unavailable/); // (keyword only: this server has no pgvector)
  });

  it('the server unreachable: the local index answers, and the status bar and Index Status say why', async function () {
    this.timeout(60_000);
    await set({ 'storage.postgres.port': 9 });
    const s = await eventually(async () => {
      const st = (await api.access.status())[0];
      return st?.team?.state === 'unreachable' && !st.indexing ? st : undefined;
    }, 'on the local index, the server unreachable', 40_000);
    assert.match(s.team!.reason!, /not answering \(connection refused\)/);
    assert.ok(s.documents > 0, 'the local index holds the workspace');
    const r = await api.access.search('PostgreSQL ledger');
    assert.ok(r.results.length > 0, 'search still answers');
    await api.statusBar.update();
    assert.equal(api.statusBar.text, '$(warning) Lore: team index unreachable');
    const items = await folderItems();
    assert.ok(items.some(({ item }) => /^team index unreachable: PostgreSQL at .* is not answering/.test(label(item))), items.map(({ item }) => label(item)).join(' | '));
    assert.ok(items.some(({ item }) => label(item) === 'Reconnect to the team index now'));
    assert.ok(items.some(({ item }) => /documents$/.test(label(item))), 'the document count is still shown');
    const { messages } = await captureMessages(() => vscode.commands.executeCommand('lore.reconnectTeamIndex'));
    assert.match(messages.join('\n'), /team index unreachable: .* working on the local index/);
  });
});
