// Durable memory on SQLite beyond the conformance suite: writers in several processes, a clock the
// test moves (TTL without an expiry run), and memory found by Lore's search beside the documents.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SqliteMemoryStore } from '../../src/core/storage/sqlite/memory';
import { openUserData } from '../../src/core/storage/sqlite/userData';
import { tempWorkspace } from './helpers';

const HOUR = 60 * 60 * 1000;

test('two processes remembering the same key at once: every version kept once, numbered without gaps, one latest', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-memory-procs-'));
  const file = path.join(dir, 'lore-user.db');
  try {
    openUserData(file).close();
    const src = path.resolve(__dirname, '..', '..', 'src');
    const script = `const { openUserData } = require(${JSON.stringify(path.join(src, 'core/storage/sqlite/userData.ts'))});
      const user = openUserData(process.argv[1]);
      (async () => { for (let i = 0; i < 100; i++) await user.memory.remember('project:shared', 'counter', { by: process.argv[2], i }, { by: process.argv[2] }); user.close(); })();`;
    const run = (tag: string) =>
      new Promise<number | null>((resolve) => spawn(process.execPath, ['--import', 'tsx', '-e', script, file, tag], { stdio: ['ignore', 'inherit', 'inherit'] }).on('exit', resolve));
    assert.deepEqual(await Promise.all(['alpha', 'beta'].map(run)), [0, 0]);
    const user = openUserData(file);
    try {
      const history = await user.memory.history('project:shared', 'counter');
      assert.deepEqual(history.map((e) => e.version), Array.from({ length: 200 }, (_, i) => 200 - i));
      for (const tag of ['alpha', 'beta']) {
        const mine = history.filter((e) => (e.value as { by: string }).by === tag).map((e) => (e.value as { i: number }).i).reverse();
        assert.deepEqual(mine, Array.from({ length: 100 }, (_, i) => i), `${tag}'s writes in its own order`);
      }
      assert.equal((await user.memory.audit({ limit: 1000 })).length, 200);
      assert.equal((await user.memory.search('alpha beta')).length, 1, 'one live entry in the text index');
      assert.ok(user.validate().ok, JSON.stringify(user.validate().problems));
    } finally {
      user.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an episodic entry past its TTL is not recalled, listed or found even before an expiry run marks it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-memory-ttl-'));
  const user = openUserData(path.join(dir, 'lore-user.db'));
  try {
    let now = 1_000_000;
    const store = new SqliteMemoryStore(user.db, () => now);
    await store.remember('temp:scratch', 'note', 'look at the flaky test', { type: 'episodic', ttlMs: HOUR });
    now += HOUR - 1;
    assert.equal((await store.recall('temp:scratch', 'note'))?.value, 'look at the flaky test');
    now += 1;
    assert.equal(await store.recall('temp:scratch', 'note'), undefined);
    assert.deepEqual(await store.list('temp'), []);
    assert.deepEqual(await store.search('flaky'), []);
    assert.equal(await store.count(), 0);
    assert.equal(await store.expire(), 1);
    // A restore of an expired entry gives it its TTL again, from now.
    const back = await store.restore('temp:scratch', 'note', 1);
    assert.equal(back.expiresAt, now + HOUR);
  } finally {
    user.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Lore keeps memory beside the history: a rebuild of the index leaves it, reopening finds it', async () => {
  const ws = tempWorkspace({ 'ops/deploy.md': '# Deploy\n\nThe staging database is reset by a cron job.\n' });
  try {
    let lore = await ws.open();
    await lore.index();
    await lore.memory.remember('project:ops', 'staging-reset', 'staging is reset nightly at 02:00 UTC', { by: 'alice' });
    await lore.rebuild();
    await lore.close();
    lore = await ws.open();
    assert.equal((await lore.memory.recall('project:ops', 'staging-reset'))?.value, 'staging is reset nightly at 02:00 UTC');
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('one search finds documents and memories: memories beside the results, as many as asked, none for no words', async () => {
  const ws = tempWorkspace({
    'ops/deploy.md': '# Deploy\n\nThe staging database is reset by a cron job.\n',
    'notes/other.md': '# Other\n\nNothing about it here.\n',
  });
  try {
    const lore = await ws.open();
    await lore.index();
    await lore.memory.remember('project:ops', 'staging-reset', 'staging is reset nightly at 02:00 UTC');
    await lore.memory.remember('project:ops', 'staging-owner', 'the platform team owns staging');
    await lore.memory.remember('user:prefs', 'tone', 'short answers');
    const res = await lore.search('when is staging reset?', { mode: 'keyword' });
    assert.equal(res.results[0]?.path, 'ops/deploy.md');
    assert.deepEqual(res.memories?.map((m) => [m.source, m.entry.key]), [['memory', 'staging-reset'], ['memory', 'staging-owner']]);
    assert.deepEqual((await lore.search('staging reset', { mode: 'keyword', memories: 1 })).memories?.map((m) => m.entry.key), ['staging-reset']);
    assert.equal((await lore.search('staging reset', { mode: 'keyword', memories: false })).memories, undefined);
    assert.equal((await lore.search('cron job', { mode: 'keyword' })).memories, undefined, 'no memory matches: none listed');
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('with semantic search live, memories are found by meaning too: embedded once, fused with the keyword hits', async () => {
  const { startFixtureServer, fakeVector } = await import('../fixtures/ollamaServer');
  // A fixture model that knows a few synonyms (served through the real ollama client): car ~ automobile, serviced ~ maintenance.
  const SAME: Record<string, string> = { automobile: 'car', maintenance: 'serviced', servicing: 'serviced' };
  const embed = (text: string, dims: number, model: string) =>
    fakeVector(text.toLowerCase().replace(/[\p{L}]+/gu, (w) => SAME[w] ?? w), dims, model);
  const fx = await startFixtureServer({ embed });
  const ws = tempWorkspace({ 'ops/deploy.md': '# Deploy\n\nThe staging database is reset by a cron job.\n' });
  try {
    const lore = await ws.open({ embedder: { provider: 'ollama', host: fx.url } });
    await lore.index();
    await lore.embeddingIdle();
    await lore.memory.remember('project:fleet', 'car-care', 'the car is serviced every spring');
    await lore.memory.remember('project:ops', 'staging-reset', 'staging is reset nightly');
    const before = fx.embedRequests();
    const hybrid = await lore.searchMemories('automobile maintenance');
    assert.deepEqual(hybrid.map((h) => [h.entry.key, h.retriever]), [['car-care', 'semantic']], 'no shared word, found by meaning');
    assert.ok(hybrid[0].similarity! > 0.5, String(hybrid[0].similarity));
    assert.deepEqual(await lore.searchMemories('automobile maintenance', { mode: 'keyword' }), [], 'keyword alone does not find it');
    const both = await lore.searchMemories('car serviced');
    assert.equal(both[0].retriever, 'both');
    // Embedded once: another search embeds the query only.
    const used = fx.embedRequests() - before;
    await lore.searchMemories('staging reset schedule');
    assert.equal(fx.embedRequests() - before - used, 1, 'one request: the new query; the memories already have vectors');
    // A new version is embedded again; the old vector goes with it.
    await lore.memory.remember('project:fleet', 'car-care', 'the car is serviced every autumn now');
    assert.equal((await lore.searchMemories('automobile maintenance'))[0].entry.version, 2);
    assert.equal((await lore.search('automobile maintenance')).memories?.[0].entry.key, 'car-care', 'search() carries them');
    await lore.close();
  } finally {
    ws.cleanup();
    await fx.stop();
  }
});

test('restoring user data from a backup: memory search finds the restored entries, not what the ids meant before', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n' });
  try {
    const lore = await ws.open();
    await lore.memory.remember('project:x', 'alpha', 'the staging database resets nightly');
    const { userData: backup } = await lore.backup();
    await lore.memory.purge('project:x', 'alpha');
    await lore.memory.remember('project:x', 'beta', 'kubernetes cluster upgrade'); // takes alpha's id
    await lore.restore(backup);
    assert.deepEqual((await lore.memory.search('staging')).map((h) => h.entry.key), ['alpha']);
    assert.deepEqual(await lore.memory.search('kubernetes'), []);
    assert.ok((await lore.validate()).ok);
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('export: no two namespaces share a markdown file; import keeps what is left of a TTL and skips what is past it', async () => {
  const { toMarkdown, importItems, parseJsonExport } = await import('../../src/core/memory/transfer');
  const entry = (namespace: string) => ({ namespace, key: 'k', value: 'v', type: 'semantic' as const, version: 1, deleted: false, metadata: {}, createdBy: '', updatedBy: '', createdAt: 0, updatedAt: 0 });
  assert.deepEqual([...toMarkdown([entry('user:a.b'), entry('user.a:b')]).keys()], ['user.a..b.md', 'user..a.b.md']);
  const ws = tempWorkspace({ 'a.md': '# A\n' });
  try {
    const lore = await ws.open();
    const now = Date.now();
    const items = parseJsonExport(JSON.stringify({ entries: [
      { namespace: 'session:x', key: 'soon', value: 'v', type: 'episodic', expiresAt: now + 3_600_000 },
      { namespace: 'session:x', key: 'past', value: 'v', type: 'episodic', expiresAt: now - 1 },
    ] }), 'test.json');
    assert.deepEqual(await importItems(lore.memory, items), { written: 1, unchanged: 1 });
    const soon = await lore.memory.recall('session:x', 'soon');
    assert.ok(soon?.expiresAt && Math.abs(soon.expiresAt - (now + 3_600_000)) < 5_000, String(soon?.expiresAt));
    assert.equal(await lore.memory.recall('session:x', 'past'), undefined);
    // Checked before anything is written: a value too large at the end leaves memory as it was.
    await assert.rejects(importItems(lore.memory, [{ namespace: 'project:x', key: 'a', value: 'ok' }, { namespace: 'project:x', key: 'b', value: 'x'.repeat(70_000) }]), /entry 2 .*at most 64 KB/);
    assert.equal(await lore.memory.recall('project:x', 'a'), undefined);
    await lore.close();
  } finally {
    ws.cleanup();
  }
});
