import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadMigrations } from '../../src/core/storage/sqlite/migrate';
import { openDatabase } from '../../src/core/storage/sqlite/open';
import { moveHistory, openUserData, USER_DATA_FILE, userDataPathFor } from '../../src/core/storage/sqlite/userData';
import { createLore } from '../../src/core/service';
import { tempWorkspace } from './helpers';

const removeIndexFile = (dbPath: string) => {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(dbPath + suffix, { force: true });
};

test('session history lives beside the index and survives deleting the index file and rebuilding', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha words\n' });
  try {
    let lore = await ws.open();
    await lore.index();
    await lore.sessions.record('s1', 'search', { query: 'alpha' });
    assert.equal((await lore.status()).userDataPath, path.join(path.dirname(ws.dbPath), USER_DATA_FILE));
    await lore.close();
    removeIndexFile(ws.dbPath);

    lore = await ws.open();
    assert.equal((await lore.status()).documents, 0, 'a new, empty index');
    assert.deepEqual((await lore.sessions.events('s1')).map((e) => e.payload.query), ['alpha'], 'history kept');
    await lore.rebuild();
    assert.equal((await lore.search('alpha')).results.length, 1);
    assert.equal((await lore.sessions.findEvents('alpha')).length, 1, 'and kept through a rebuild');
    const names = openDatabase(ws.dbPath).db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'session%'").pluck().all();
    assert.deepEqual(names, [], 'the index file holds no history');
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

/** An index file as Lore wrote it at `schema` (4-6: history inside it), with two sessions. */
function oldIndexWithHistory(dbPath: string, root: string, schema: number): void {
  const { db } = openDatabase(dbPath, { schemaUpTo: schema });
  db.prepare("INSERT INTO lore_meta (key, value) VALUES ('root', ?)").run(root);
  db.prepare(`INSERT INTO sessions (id, title, status, metadata, created_at, last_update_time) VALUES
    ('chat-1', 'Vector research', 'active', '{"source":"chat"}', 1000, 3000),
    ('win-1', '', 'archived', '{}', 500, 600)`).run();
  const add = db.prepare('INSERT INTO session_events (session_id, seq, type, payload, time) VALUES (?, ?, ?, ?, ?)');
  add.run('chat-1', 1, 'chat.request', JSON.stringify({ prompt: 'how are vectors stored' }), 1000);
  add.run('win-1', 1, 'search', JSON.stringify({ query: 'pelican' }), 500);
  add.run('chat-1', 2, 'chat.response', JSON.stringify({ text: 'In sqlite-vec tables.' }), 3000);
  db.close();
}

test('an index at schema 4 moves its session history to the user-data file, nothing lost', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    oldIndexWithHistory(ws.dbPath, ws.root, 4);
    const lore = await createLore({ dbPath: ws.dbPath });
    try {
      assert.equal((await lore.status()).schemaVersion, loadMigrations().length);
      assert.deepEqual((await lore.sessions.list({ includeArchived: true })).map((s) => [s.id, s.title, s.status, s.eventCount]), [
        ['chat-1', 'Vector research', 'active', 2],
        ['win-1', '', 'archived', 1],
      ]);
      assert.deepEqual((await lore.sessions.get('chat-1'))?.metadata, { source: 'chat' });
      assert.deepEqual((await lore.sessions.events('chat-1')).map((e) => [e.seq, e.type, e.time]), [[1, 'chat.request', 1000], [2, 'chat.response', 3000]]);
      assert.deepEqual((await lore.sessions.findEvents('pelican')).map((e) => e.sessionId), ['win-1'], "the history's text index is filled");
      assert.ok((await lore.validate()).ok, JSON.stringify((await lore.validate()).problems));
      await lore.sessions.record('chat-1', 'chat.request', { prompt: 'and after the move?' });
      assert.deepEqual((await lore.sessions.events('chat-1')).map((e) => e.seq), [1, 2, 3]);
    } finally {
      await lore.close();
    }
    const { db } = openDatabase(ws.dbPath);
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'session%'").pluck().get(), 0, 'gone from the index file');
    db.close();
  } finally {
    ws.cleanup();
  }
});

test('a move stopped after the copy is finished on the next open without doubling anything', async () => {
  const ws = tempWorkspace();
  try {
    oldIndexWithHistory(ws.dbPath, ws.root, 6);
    // The copy committed, then the process died before the index's migration dropped the tables.
    const index = openDatabase(ws.dbPath, { schemaUpTo: 6 }).db;
    const user = openUserData(userDataPathFor(ws.dbPath));
    assert.equal(moveHistory(index, user), 3);
    user.close();
    index.close();

    const lore = await createLore({ dbPath: ws.dbPath });
    try {
      assert.equal((await lore.sessions.list({ includeArchived: true })).length, 2);
      assert.deepEqual((await lore.sessions.events('chat-1')).map((e) => e.seq), [1, 2], 'no event twice');
      assert.equal((await lore.sessions.findEvents('pelican')).length, 1);
    } finally {
      await lore.close();
    }
  } finally {
    ws.cleanup();
  }
});

test('several indexes can share one user-data file (one history per workspace), which their close leaves open', async () => {
  const ws = tempWorkspace({ 'one/a.md': '# A\n', 'two/b.md': '# B\n' });
  try {
    const dir = path.dirname(ws.dbPath);
    const shared = openUserData(path.join(dir, USER_DATA_FILE));
    oldIndexWithHistory(path.join(dir, 'two.db'), path.join(ws.root, 'two'), 5);
    const one = await createLore({ root: path.join(ws.root, 'one'), dbPath: path.join(dir, 'one.db'), userData: shared });
    const two = await createLore({ root: path.join(ws.root, 'two'), dbPath: path.join(dir, 'two.db'), userData: shared });
    await one.sessions.record('win-2', 'search', { query: 'from one' });
    assert.equal((await two.sessions.get('win-2'))?.eventCount, 1, 'one history');
    assert.equal((await one.sessions.get('chat-1'))?.eventCount, 2, "the second index's old history joined it");
    await one.close();
    await two.close();
    assert.equal((await shared.sessions.list({ includeArchived: true })).length, 3, 'still open after both closed');
    shared.close();
  } finally {
    ws.cleanup();
  }
});

test('a read-only Lore with no history file lists none, refuses writes and creates no file', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n' });
  try {
    const writer = await ws.open();
    await writer.index();
    await writer.close();
    fs.rmSync(userDataPathFor(ws.dbPath));
    const reader = await ws.open({ readonly: true });
    assert.deepEqual((await reader.sessions.list()), []);
    assert.equal(reader.sessions.readonly, true);
    await assert.rejects(reader.sessions.record('x', 'search', { query: 'q' }), /read-only/);
    assert.ok((await reader.validate()).ok, JSON.stringify((await reader.validate()).problems));
    await reader.close();
    assert.equal(fs.existsSync(userDataPathFor(ws.dbPath)), false);
  } finally {
    ws.cleanup();
  }
});

test('the session store says when history changed, for every kind of write and only then', async () => {
  const ws = tempWorkspace();
  const user = openUserData(userDataPathFor(ws.dbPath));
  try {
    let changes = 0;
    const off = user.sessions.onDidChange(() => changes++);
    const s = (await user.sessions.create({ title: 'a' }));
    await user.sessions.record(s.id, 'search', { query: 'q' });
    await user.sessions.rename(s.id, 'b');
    await user.sessions.archive(s.id);
    await user.sessions.setState(s.id, { mode: 'x' });
    assert.equal(changes, 5);
    await assert.rejects(user.sessions.rename('missing', 'c'));
    await user.sessions.delete('missing');
    assert.equal((await user.sessions.prune({ maxDays: 1000 })), 0);
    assert.equal(changes, 5, 'nothing changed, nothing said');
    await user.sessions.delete(s.id);
    assert.equal(changes, 6);
    off();
    await user.sessions.record('other', 'search', { query: 'q' });
    assert.equal(changes, 6, 'unsubscribed');
  } finally {
    user.close();
    ws.cleanup();
  }
});

test('the user-data check finds memory whose versions or text index are out of step', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-memcheck-'));
  const user = openUserData(path.join(dir, 'lore-user.db'));
  try {
    user.db.prepare(`INSERT INTO memory_entries (namespace, key, value, version, is_latest, created_at, updated_at) VALUES
      ('project:x', 'k', '"a"', 1, 1, 1, 1), ('project:x', 'k', '"b"', 2, 1, 2, 2)`).run();
    const problems = user.validate().problems.map((p) => `${p.check}: ${p.message}`);
    assert.ok(problems.includes('history:memory_one_latest: memory project:x k has 2 versions marked latest, or not its newest'), problems.join('\n'));
    assert.ok(problems.includes('history:memory_fts_in_step: 2 memor(ies) are missing from their text index'), problems.join('\n'));
  } finally {
    user.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
