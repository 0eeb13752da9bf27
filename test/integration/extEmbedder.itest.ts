// Semantic search's state as the user sees it: with no embedder answering, Lore says "keyword only"
// (status bar warning, Index Status reason and fix) and search falls back to keyword, saying why.
// With the fixture Ollama/OpenAI server (started here in the host, or LORE_TEST_OLLAMA_URL), it turns
// live; an OpenAI-compatible endpoint's key comes from secret storage, never from settings.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';
import type { LoreExtensionApi } from '../../src/extension/extension';
import type { StatusNode } from '../../src/extension/views/statusTree';
import { eventually, loreApi } from './extApi';

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));

describe('Lore embedder state', function () {
  let api: LoreExtensionApi;
  const cfg = () => vscode.workspace.getConfiguration('lore');
  const keys = ['embedding.provider', 'embedding.host', 'embedding.model'];
  let saved: unknown[] = [];
  let fixture: FixtureServer | undefined;
  let url = process.env.LORE_TEST_OLLAMA_URL;
  before(async function () {
    api = await loreApi();
    saved = keys.map((k) => cfg().inspect(k)?.workspaceValue);
    if (!url) {
      fixture = await startFixtureServer();
      url = fixture.url;
    }
  });
  after(async () => {
    await vscode.commands.executeCommand('lore.setEmbeddingApiKey', '');
    await fixture?.close();
    for (const [i, k] of keys.entries()) await cfg().update(k, saved[i], vscode.ConfigurationTarget.Workspace);
  });

  it('no embedder answering: keyword only, with the reason and a fix, and search says why', async function () {
    this.timeout(30_000);
    await cfg().update('embedding.provider', 'ollama', vscode.ConfigurationTarget.Workspace);
    await cfg().update('embedding.host', 'http://127.0.0.1:9', vscode.ConfigurationTarget.Workspace);
    const e = await eventually(async () => {
      const s = (await api.access.status())[0].embedder;
      return s.state === 'degraded' ? s : undefined;
    }, 'the embedder is degraded', 20_000);
    assert.ok(e.reason && e.reason.length > 10, `a reason: ${e.reason}`);
    await api.statusBar.update();
    assert.match(api.statusBar.text, /Lore: keyword only/);
    const roots = ((await api.trees.status.getChildren()) ?? []) as StatusNode[];
    const node = roots.find((n) => n.kind === 'embedder')!;
    const item = await api.trees.status.getTreeItem(node);
    assert.equal(label(item), 'Semantic search: keyword only');
    assert.equal(item.description, e.reason);
    const fixes = ((await api.trees.status.getChildren(node)) ?? []) as StatusNode[];
    assert.ok(fixes.length >= 2, 'fix actions (open settings / copy the command)');
    const r = await api.access.search('PostgreSQL ledger', { mode: 'hybrid' });
    assert.equal(r.mode, 'keyword');
    assert.ok(r.fallbackReason, 'the response says why it fell back');
    assert.ok(r.results.length > 0, 'keyword search still works');
  });

  it('with a reachable embedder: live, and semantic search answers', async function () {
    this.timeout(60_000);
    await cfg().update('embedding.provider', 'ollama', vscode.ConfigurationTarget.Workspace);
    await cfg().update('embedding.host', url, vscode.ConfigurationTarget.Workspace);
    await eventually(async () => (await api.access.status())[0].embedder.state === 'live', 'the embedder is live', 30_000);
    await eventually(async () => (await api.access.search('ledger transactions', { mode: 'semantic' })).mode === 'semantic', 'semantic search answers', 30_000);
    // Rebuild drops documents (and their vectors) and re-embeds (from the cache) into a consistent index.
    await vscode.commands.executeCommand('lore.rebuild', true);
    await api.access.lores()[0].lore.embeddingIdle();
    const reports = (await vscode.commands.executeCommand('lore.validate')) as { ok: boolean; problems: unknown[] }[];
    assert.equal(reports[0].ok, true, JSON.stringify(reports[0].problems));
    assert.equal((await api.access.search('ledger transactions', { mode: 'semantic' })).mode, 'semantic');
    await eventually(() => /Lore: \d+ docs/.test(api.statusBar.text), 'the status bar shows the document count once embedded');
  });

  it('OpenAI-compatible endpoint: refused without a key, live once "Set Embedding API Key" stores it; the key is in no setting', async function () {
    if (!fixture) this.skip(); // needs the in-host fixture to require a key and record headers
    this.timeout(60_000);
    const key = 'sk-lore-itest-4711';
    fixture.apiKey = key;
    fixture.authHeaders.length = 0;
    await vscode.commands.executeCommand('lore.setEmbeddingApiKey', '');
    await cfg().update('embedding.provider', 'openai', vscode.ConfigurationTarget.Workspace);
    await cfg().update('embedding.host', fixture.url, vscode.ConfigurationTarget.Workspace);
    await cfg().update('embedding.model', 'nomic-embed-text', vscode.ConfigurationTarget.Workspace);
    const refused = await eventually(async () => {
      const s = (await api.access.status())[0].embedder;
      return s.state === 'degraded' && /key/i.test(s.reason ?? '') ? s : undefined;
    }, 'degraded: the endpoint refuses the request without a key', 30_000);
    assert.ok(!refused.reason!.includes(key));
    assert.equal(await vscode.commands.executeCommand('lore.setEmbeddingApiKey', key), true);
    await eventually(async () => (await api.access.status())[0].embedder.state === 'live', 'live with the stored key', 30_000);
    assert.ok(fixture.authHeaders.includes(`Bearer ${key}`), 'the key is sent as a bearer token');
    const all = JSON.stringify(vscode.workspace.getConfiguration('lore').inspect('embedding') ?? {}) + JSON.stringify(vscode.workspace.getConfiguration('lore'));
    assert.ok(!all.includes(key), 'no setting holds the key');
    fixture.apiKey = undefined;
  });
});
