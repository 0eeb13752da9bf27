// Lifecycle and settings: a database module that cannot load gives one readable message; settings
// apply without a reload; retention prunes history; progress shows in the status bar; stale results
// are flagged; a disposed workspace releases its indexes and fires nothing after.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { LoreError } from '../../src/core/errors';
import type { LoreExtensionApi } from '../../src/extension/extension';
import { resetOpenErrorShown, showOpenError } from '../../src/extension/lifecycle';
import { LoreWorkspace } from '../../src/extension/lores';
import { requireReady } from '../../src/extension/progress';
import { statusBarText } from '../../src/extension/statusBar';
import { captureMessages, eventually, loreApi, workspaceRoot } from './extApi';

const NATIVE = "Lore's database module (better-sqlite3) could not load in this runtime (Node 20, ABI 115, linux-x64): invalid ELF header. Install the Lore build made for this platform, or rebuild it with `npm rebuild better-sqlite3`.";

describe('Lore lifecycle and settings', function () {
  let api: LoreExtensionApi;
  const cfg = () => vscode.workspace.getConfiguration('lore');
  before(async () => {
    api = await loreApi();
  });

  it('a native module that cannot load: one clear message, no stack trace; commands repeat the reason', async () => {
    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-itest-native-'));
    const errors: Error[] = [];
    const ws = new LoreWorkspace({
      storageDir,
      create: () => {
        throw new LoreError('NATIVE_MODULE', NATIVE);
      },
      onOpenError: (e) => errors.push(e),
    });
    try {
      ws.openFolders(vscode.workspace.workspaceFolders!);
      await assert.rejects(ws.ready(), /could not load/);
      assert.equal(errors.length, 1);
      assert.match((await statusBarText(ws)).text, /Lore: unavailable/);
      resetOpenErrorShown();
      const { messages } = await captureMessages(() => {
        showOpenError(errors[0]);
        showOpenError(errors[0]);
      });
      assert.equal(messages.length, 1, 'shown once');
      assert.match(messages[0], /^Lore cannot run in this VS Code build: .*could not load.*Install the Lore build made for this platform/);
      assert.doesNotMatch(messages[0], /\n\s+at /, 'no stack trace');
      const cmd = await captureMessages(() => requireReady(ws));
      assert.equal(cmd.result, false);
      assert.match(cmd.messages[0], /could not load/);
    } finally {
      await ws.dispose();
      fs.rmSync(storageDir, { recursive: true, force: true });
    }
  });

  it('disposing releases the indexes (watchers closed) and fires no event after', async () => {
    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-itest-dispose-'));
    const ws = new LoreWorkspace({ storageDir });
    let fired = 0;
    ws.onDidChange(() => fired++);
    ws.openFolders(vscode.workspace.workspaceFolders!);
    await ws.ready();
    ws.startWatching(vscode.workspace.workspaceFolders![0]);
    const lore = ws.lores()[0].lore;
    await eventually(async () => (await lore.status()).watching, 'watching');
    await ws.dispose();
    const after = fired;
    assert.equal(ws.lores().length, 0);
    await assert.rejects(lore.status(), 'the database is closed');
    // An event asked for after disposal would be due at the next timer turn: none comes.
    ws.fire(true);
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(fired, after, 'no event after dispose');
    fs.rmSync(storageDir, { recursive: true, force: true });
  });

  it('a damaged index is found by the check when the folder opens, set aside and rebuilt, with one notice', async function () {
    this.timeout(60_000);
    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-itest-damaged-'));
    const folders = vscode.workspace.workspaceFolders!;
    try {
      const first = new LoreWorkspace({ storageDir });
      first.openFolders(folders);
      await first.ready();
      await first.maintainFolder(folders[0], { index: true });
      const [{ documents }] = await first.status();
      const dbPath = first.lores()[0].lore.dbPath;
      await first.dispose();
      // Random bytes over every page from a quarter of the way in: opening reads none of them.
      const size = fs.statSync(dbPath).size;
      const fd = fs.openSync(dbPath, 'r+');
      for (let at = Math.floor(size / 4 / 4096) * 4096; at < size; at += 4096) fs.writeSync(fd, crypto.randomBytes(4096), 0, 4096, at);
      fs.closeSync(fd);

      const repaired: string[] = [];
      const ws = new LoreWorkspace({ storageDir, onRepaired: (_f, r) => repaired.push(r.movedTo) });
      try {
        ws.openFolders(folders);
        await ws.ready();
        await ws.maintainFolder(folders[0], { index: true });
        const healed = await eventually(async () => {
          const [s] = await ws.status();
          return s.recovered && s.documents === documents && !s.indexing ? s.recovered : undefined;
        }, 'the index rebuilt from the markdown', 30_000);
        assert.ok(fs.existsSync(healed.movedTo), 'the damaged file is kept aside');
        assert.equal(repaired.length, 1, 'reported once');
        assert.ok((await ws.search('PostgreSQL ledger')).results.length > 0);
        assert.ok((await ws.lores()[0].lore.validate()).ok);
      } finally {
        await ws.dispose();
      }
    } finally {
      fs.rmSync(storageDir, { recursive: true, force: true });
    }
  });

  it('lore.exclude applies without a reload: excluded files leave the index, and come back', async function () {
    this.timeout(60_000);
    try {
      await cfg().update('exclude', ['notes/**'], vscode.ConfigurationTarget.Workspace);
      await eventually(async () => api.access.isReady() && (await api.access.status())[0]?.documents === 7 && (await api.access.search('standup')).results.length === 0, 'notes/ left the index', 30_000);
    } finally {
      await cfg().update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await eventually(async () => api.access.isReady() && (await api.access.status())[0]?.documents === 10 && (await api.access.search('standup')).results.length > 0, 'notes/ is back', 30_000);
  });

  it('lore.sessions.maxSessions prunes history when changed', async () => {
    const store = api.access.sessions()!;
    for (let i = 0; i < 3; i++) (await store.record((await store.create({ title: `old ${i}` })).id, 'search', { query: `q${i}` }));
    assert.ok((await store.list()).length >= 3);
    try {
      await cfg().update('sessions.maxSessions', 1, vscode.ConfigurationTarget.Workspace);
      await eventually(async () => (await store.list()).length === 1, 'pruned to one session');
    } finally {
      await cfg().update('sessions.maxSessions', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('the status bar shows "Lore: indexing n/N" while indexing', async function () {
    this.timeout(60_000);
    const bulk = path.join(workspaceRoot().fsPath, 'bulk');
    fs.mkdirSync(bulk, { recursive: true });
    for (let i = 0; i < 600; i++) fs.writeFileSync(path.join(bulk, `doc-${i}.md`), `# Bulk ${i}\n\n${'Some words about bulk imports. '.repeat(40)}\n`);
    const seen = new Set<string>();
    const sub = api.access.onDidChange(() => seen.add(api.statusBar.text));
    try {
      const run = vscode.commands.executeCommand('lore.reindex');
      await eventually(() => [...seen].some((t) => /Lore: indexing \d[\d,]*\/\d[\d,]*/.test(t)), `progress in the status bar (seen ${[...seen].join(' | ')})`, 30_000);
      await run;
    } finally {
      sub.dispose();
      fs.rmSync(bulk, { recursive: true, force: true });
    }
    await eventually(async () => (await api.access.status())[0].documents === 10, 'the bulk files left again', 30_000);
    await eventually(() => /Lore: (10 docs|keyword only)/.test(api.statusBar.text), 'idle text again');
  });

  it('cancelling a long indexing run stops it and leaves a consistent index', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('lore.pauseIndexing'); // no watcher racing the run below
    const bulk = path.join(workspaceRoot().fsPath, 'bulk2');
    fs.mkdirSync(bulk, { recursive: true });
    for (let i = 0; i < 800; i++) fs.writeFileSync(path.join(bulk, `doc-${i}.md`), `# Cancel ${i}\n\n${'Words to index. '.repeat(60)}\n`);
    try {
      const ac = new AbortController();
      await assert.rejects(
        api.access.indexAll('reindex', { signal: ac.signal, onProgress: (done) => done >= 20 && ac.abort() }),
        (err: { code?: string }) => err.code === 'ABORTED',
      );
      const docs = (await api.access.status())[0].documents;
      assert.ok(docs < 810, `stopped early (${docs} documents)`);
      const reports = (await vscode.commands.executeCommand('lore.validate')) as { ok: boolean }[];
      assert.equal(reports[0].ok, true);
    } finally {
      fs.rmSync(bulk, { recursive: true, force: true });
      await vscode.commands.executeCommand('lore.resumeIndexing');
    }
    await eventually(async () => (await api.access.status())[0].documents === 10, 'back to the fixture', 30_000);
  });

  it('results of a file changed since indexing are flagged stale in the Search view', async function () {
    this.timeout(30_000);
    const file = path.join(workspaceRoot().fsPath, 'docs/adr/0002-use-postgres-for-the-ledger.md');
    const original = fs.readFileSync(file, 'utf8');
    await vscode.commands.executeCommand('lore.pauseIndexing');
    try {
      fs.writeFileSync(file, `${original}\nAn afterthought.\n`);
      const r = await api.access.search('PostgreSQL ledger', { mode: 'keyword' });
      assert.equal(r.results[0].stale, true);
      await vscode.commands.executeCommand('lore.search', 'PostgreSQL ledger', { mode: 'keyword' });
      const doc = api.trees.search.groups()[0];
      const item = api.trees.search.getTreeItem(doc);
      assert.match(String(item.description), /stale/);
    } finally {
      fs.writeFileSync(file, original);
      await vscode.commands.executeCommand('lore.resumeIndexing');
    }
    await eventually(async () => (await api.access.search('PostgreSQL ledger', { mode: 'keyword' })).results[0]?.stale === false, 'fresh again');
  });
});
