import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/core/storage/sqlite/open';
import { loadMigrations } from '../../src/core/storage/sqlite/migrate';
import { openUserData, userDataPathFor } from '../../src/core/storage/sqlite/userData';
import { createLore } from '../../src/core/service';
import { SqliteSessionStore as SessionStore } from '../../src/core/storage/sqlite/sessions';
import { tempWorkspace } from './helpers';

const DAY = 24 * 60 * 60 * 1000;

/** Its own connection to the session history kept beside the index at `dbPath`. */
const historyDb = (dbPath: string) => openUserData(userDataPathFor(dbPath)).db;

/** A store on its own connection to the history, with a clock the test moves. */
function storeWithClock(dbPath: string, clock: () => number): SessionStore {
  return new SessionStore(historyDb(dbPath), clock);
}

test('session history survives closing and reopening the index, in order', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n' });
  try {
    let lore = await ws.open();
    const s = (await lore.sessions.create({ title: 'Storage research', metadata: { source: 'palette' } }));
    await lore.sessions.record(s.id, 'search', { query: 'sqlite wal', mode: 'keyword', k: 10, resultCount: 3 });
    await lore.sessions.record(s.id, 'open', { path: 'docs/adr/0001.md', line: 4, title: 'Use SQLite' });
    await lore.sessions.record(s.id, 'search', { query: 'busy timeout', mode: 'hybrid', k: 5, resultCount: 0 });
    await lore.close();

    lore = await ws.open();
    const [again] = (await lore.sessions.list());
    assert.equal(again.id, s.id);
    assert.equal(again.title, 'Storage research');
    assert.equal(again.status, 'active');
    assert.deepEqual(again.metadata, { source: 'palette' });
    assert.equal(again.eventCount, 3);
    const events = (await lore.sessions.events(s.id));
    assert.deepEqual(events.map((e) => [e.seq, e.type]), [[1, 'search'], [2, 'open'], [3, 'search']]);
    assert.deepEqual(events[1].payload, { path: 'docs/adr/0001.md', line: 4, title: 'Use SQLite' });
    // The latest N, still oldest first.
    assert.deepEqual((await lore.sessions.events(s.id, { limit: 2 })).map((e) => e.seq), [2, 3]);
  } finally {
    ws.cleanup();
  }
});

test('recent sessions come newest first with what the sidebar groups by (day, title, counts)', async () => {
  const ws = tempWorkspace();
  try {
    let now = Date.UTC(2026, 10, 20, 9, 0);
    const store = storeWithClock(ws.dbPath, () => now);
    const a = (await store.create());
    await store.record(a.id, 'search', { query: '  how do   we   deploy\n' });
    now += DAY;
    const b = (await store.create({ title: 'Chat about caching' }));
    await store.record(b.id, 'chat.request', { prompt: 'what is cached?' });
    await store.record(b.id, 'chat.response', { text: 'The embedding cache.', references: [{ path: 'c.md', startLine: 1, endLine: 3 }] });
    now += 1000;
    await store.record(a.id, 'search', { query: 'rollback' }); // a is the most recent again
    const same = (await store.create({ id: 'same-ms' })); // created in the same millisecond as a's event
    const list = (await store.list());
    assert.deepEqual(list.map((s) => s.id), [a.id, same.id, b.id], 'ties in one millisecond go to the latest event');
    const first = (await store.get(a.id))!;
    assert.equal(first.title, 'how do we deploy', 'untitled sessions take their first query as title');
    assert.equal(first.createdAt, Date.UTC(2026, 10, 20, 9, 0));
    assert.equal(first.lastUpdateTime, now);
    assert.equal(first.eventCount, 2);
    assert.equal((await store.get(b.id))!.title, 'Chat about caching', 'a given title is kept');
    assert.equal((await store.list({ limit: 1 })).length, 1);
    // ensure() returns the existing session and creates a missing one; record() creates too.
    assert.equal((await store.ensure(b.id, { title: 'other' })).title, 'Chat about caching');
    assert.equal((await store.ensure('chat-42', { title: 'New chat' })).status, 'created');
    await assert.rejects(store.create({ id: 'chat-42' }), /already exists/);
    await store.record('mcp-1', 'tool', { tool: 'search', input: { query: 'x' } });
    assert.equal((await store.get('mcp-1'))!.status, 'active');
  } finally {
    ws.cleanup();
  }
});

test('findEvents matches payload text, treats hostile input as plain words, filters by type', async () => {
  const ws = tempWorkspace();
  try {
    const lore = await ws.open();
    const s = (await lore.sessions.create({ title: 'T' }));
    await lore.sessions.record(s.id, 'search', { query: 'database migrations' });
    await lore.sessions.record(s.id, 'chat.request', { prompt: 'Why did we choose SQLite over Postgres?' });
    await lore.sessions.record(s.id, 'open', { path: 'docs/adr/0002-migrations.md', line: 1, title: 'Migration policy' });
    await lore.sessions.record(s.id, 'search', { query: `it's "quoted" AND (weird) -stuff NEAR/2 col:umn * ^x` });

    const found = (await lore.sessions.findEvents('migration'));
    assert.deepEqual(found.map((e) => e.type).sort(), ['open', 'search']);
    assert.equal(found[0].sessionTitle, 'T');
    assert.deepEqual((await lore.sessions.findEvents('migrat', { types: ['search'] })).map((e) => e.payload.query), ['database migrations']);
    assert.equal((await lore.sessions.findEvents('postgres sqlite'))[0].type, 'chat.request');
    for (const hostile of ['"', "'; DROP TABLE sessions; --", 'AND OR NOT', 'col:umn', '(weird', 'NEAR/2', '*', '^x', '\u0000', '%_%', 'a"b"c"']) {
      await assert.doesNotReject(lore.sessions.findEvents(hostile), hostile);
    }
    assert.equal((await lore.sessions.findEvents('weird stuff')).length, 1);
    assert.equal((await lore.sessions.findEvents('%')).length, 4, 'no words: the newest events');
    assert.equal((await lore.sessions.findEvents('%', { limit: 2 })).length, 2);
    assert.equal((await lore.sessions.list()).length, 1, 'nothing was dropped');
  } finally {
    ws.cleanup();
  }
});

test('rename, archive, terminate, delete and clear; deleted events leave the text index', async () => {
  const ws = tempWorkspace();
  try {
    const lore = await ws.open();
    const a = (await lore.sessions.create({ title: 'a' }));
    const b = (await lore.sessions.create({ title: 'b' }));
    await lore.sessions.record(a.id, 'search', { query: 'pelican' });
    await lore.sessions.record(b.id, 'search', { query: 'pelican' });
    await lore.sessions.rename(a.id, '  Birds  ');
    assert.equal((await lore.sessions.get(a.id))!.title, 'Birds');
    await lore.sessions.archive(a.id);
    assert.equal((await lore.sessions.get(a.id))!.status, 'archived');
    assert.ok((await lore.sessions.get(a.id))!.archivedAt);
    assert.deepEqual((await lore.sessions.list()).map((s) => s.id), [b.id], 'archived sessions leave the recent list');
    assert.equal((await lore.sessions.list({ includeArchived: true })).length, 2);
    await lore.sessions.terminate(b.id);
    assert.equal((await lore.sessions.get(b.id))!.status, 'terminated');
    assert.ok((await lore.sessions.get(b.id))!.terminatedAt);
    await lore.sessions.record(b.id, 'search', { query: 'heron' });
    assert.equal((await lore.sessions.get(b.id))!.status, 'active', 'a new event reopens a session');
    assert.equal((await lore.sessions.get(b.id))!.terminatedAt, null);
    await assert.rejects(lore.sessions.rename('nope', 'x'), /No session with id "nope"/);

    await lore.sessions.delete(a.id);
    assert.equal((await lore.sessions.get(a.id)), undefined);
    assert.deepEqual((await lore.sessions.events(a.id)), []);
    assert.equal((await lore.sessions.findEvents('pelican')).length, 1, "the deleted session's events are gone from search");
    await lore.sessions.delete('does-not-exist');
    assert.equal((await lore.sessions.clear()), 1);
    assert.equal((await lore.sessions.list({ includeArchived: true })).length, 0);
    assert.equal((await lore.sessions.findEvents('heron')).length, 0);
    assert.ok((await lore.validate()).ok);
    assert.ok((await lore.validate()).checked.includes('history:session_fts_in_step'));
    await lore.sessions.record('v', 'search', { query: 'ibis' });
    const db = historyDb(ws.dbPath);
    db.exec('DROP TRIGGER session_events_fts_insert');
    db.prepare("INSERT INTO session_events (session_id, seq, type, payload, time) VALUES ('v', 2, 'search', '{}', 0)").run();
    db.close();
    assert.match((await lore.validate()).problems.map((p) => p.message).join('\n'), /1 session event\(s\) are missing from their text index/);
  } finally {
    ws.cleanup();
  }
});

test('retention prunes sessions older than N days and beyond the newest N', async () => {
  const ws = tempWorkspace();
  try {
    let now = Date.UTC(2026, 0, 1);
    const store = storeWithClock(ws.dbPath, () => now);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const s = (await store.create({ title: `day ${i}` }));
      await store.record(s.id, 'search', { query: `q${i}` });
      ids.push(s.id);
      now += DAY;
    }
    // now = day 10. Older than 3 days: days 0..6 go.
    assert.equal((await store.prune({ maxDays: 3.5 })), 7);
    assert.deepEqual((await store.list()).map((s) => s.title), ['day 9', 'day 8', 'day 7']);
    assert.equal((await store.prune({ maxSessions: 2 })), 1);
    assert.deepEqual((await store.list()).map((s) => s.title), ['day 9', 'day 8']);
    assert.equal((await store.prune({})), 0);
    assert.equal((await store.findEvents('q0')).length, 0);
    await assert.rejects(store.prune({ maxDays: -1 }), /0 or more/);
    assert.equal((await store.prune({ maxSessions: 0 })), 2);
  } finally {
    ws.cleanup();
  }
});

test('the schema refuses a bad status and JSON that is not an object', async () => {
  const ws = tempWorkspace();
  try {
    const lore = await ws.open();
    const db = historyDb(ws.dbPath);
    const insert = (status: string, state = '{}', metadata = '{}') =>
      db.prepare('INSERT INTO sessions (id, status, state, metadata, created_at, last_update_time) VALUES (?, ?, ?, ?, 0, 0)').run(`s${Math.random()}`, status, state, metadata);
    for (const s of ['created', 'active', 'paused', 'terminated', 'archived']) insert(s);
    assert.throws(() => insert('deleted'), /CHECK constraint failed/);
    assert.throws(() => insert('active', '{oops'), /CHECK constraint failed/);
    assert.throws(() => insert('active', '{}', '[1,2]'), /CHECK constraint failed/);
    const s = (await lore.sessions.create());
    assert.throws(() => db.prepare("INSERT INTO session_events (session_id, seq, type, payload, time) VALUES (?, 1, 'x', 'nope', 0)").run(s.id), /CHECK constraint failed/);
    assert.throws(() => db.prepare("INSERT INTO session_events (session_id, seq, type, payload, time) VALUES ('ghost', 1, 'x', '{}', 0)").run(), /FOREIGN KEY/);
    await assert.rejects(lore.sessions.record(s.id, 'x', [] as unknown as Record<string, unknown>), /must be a JSON object/);
    const plans = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM sessions WHERE status != 'archived' ORDER BY last_update_time DESC LIMIT 5`).all() as { detail: string }[];
    assert.ok(plans.some((p) => /sessions_recent/.test(p.detail)), JSON.stringify(plans));
  } finally {
    ws.cleanup();
  }
});

test('writers in several processes record into one session without losing or reordering events', async () => {
  const ws = tempWorkspace();
  try {
    const file = userDataPathFor(ws.dbPath);
    openUserData(file).close();
    const src = path.resolve(__dirname, '..', '..', 'src');
    const script = `const { openUserData } = require(${JSON.stringify(path.join(src, 'core/storage/sqlite/userData.ts'))});
      const store = openUserData(process.argv[1]).sessions;
      (async () => { for (let i = 0; i < 150; i++) { await store.record('shared', 'search', { query: process.argv[2] + ' ' + i }); if (i % 50 === 0) await store.prune({ maxSessions: 5 }); } })();`;
    const run = (tag: string) =>
      new Promise<number | null>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', '-e', script, file, tag], { stdio: ['ignore', 'inherit', 'inherit'] });
        p.on('exit', resolve);
      });
    assert.deepEqual(await Promise.all(['alpha', 'beta', 'gamma'].map(run)), [0, 0, 0]);
    const store = new SessionStore(historyDb(ws.dbPath));
    const events = (await store.events('shared'));
    assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 450 }, (_, i) => i + 1));
    for (const tag of ['alpha', 'beta', 'gamma']) {
      const mine = events.filter((e) => String(e.payload.query).startsWith(`${tag} `)).map((e) => Number(String(e.payload.query).split(' ')[1]));
      assert.deepEqual(mine, Array.from({ length: 150 }, (_, i) => i), `${tag}'s events in its own order`);
    }
  } finally {
    ws.cleanup();
  }
});

test('a read-only Lore reads session history and refuses to change it, clearly', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n' });
  try {
    const writer = await ws.open();
    await writer.index();
    const s = (await writer.sessions.create({ title: 'kept' }));
    await writer.sessions.record(s.id, 'search', { query: 'alpha' });
    const reader = await ws.open({ readonly: true });
    assert.equal(reader.sessions.readonly, true);
    assert.equal((await reader.sessions.list())[0].title, 'kept');
    assert.equal((await reader.sessions.findEvents('alpha')).length, 1);
    await writer.sessions.record(s.id, 'search', { query: 'beta' }); // the writer carries on alongside
    assert.equal((await reader.sessions.events(s.id)).length, 2);
    await assert.rejects(reader.sessions.record(s.id, 'search', { query: 'x' }), /read-only/);
    await assert.rejects(reader.sessions.clear(), /read-only/);
    await assert.rejects(reader.sessions.prune({ maxSessions: 0 }), /read-only/);
  } finally {
    ws.cleanup();
  }
});

test('an index at schema 2 migrates through every later schema and keeps its documents', async () => {
  const ws = tempWorkspace({ 'notes/alpha.md': '# Alpha\n\nThe quick brown fox.\n' });
  try {
    const { db } = openDatabase(ws.dbPath, { schemaUpTo: 2 });
    assert.equal(db.pragma('user_version', { simple: true }), 2);
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'sessions'").get(), undefined);
    db.prepare("INSERT INTO lore_meta (key, value) VALUES ('root', ?)").run(ws.root);
    const { lastInsertRowid: id } = db.prepare(`INSERT INTO document_index (file_path, title, document_type, content_hash, size, mtime, chunk_count, sync_status, created_at, updated_at)
        VALUES ('notes/alpha.md', 'Alpha', 'note', 'abc', 1, 1, 1, 'synced', 1, 1)`).run();
    db.prepare(`INSERT INTO chunks (document_id, ordinal, heading_path, start_line, end_line, text, content_hash)
        VALUES (?, 0, 'Alpha', 1, 3, '# Alpha

The quick brown fox.', 'h1')`).run(id);
    db.close();

    const lore = await createLore({ dbPath: ws.dbPath });
    try {
      assert.equal((await lore.status()).schemaVersion, loadMigrations().length);
      assert.equal((await lore.search('fox')).results[0]?.path, 'notes/alpha.md');
      assert.equal((await lore.getDocument('notes/alpha.md'))?.text, '# Alpha\n\nThe quick brown fox.');
      await lore.sessions.record('x', 'search', { query: 'fox' });
      assert.equal((await lore.sessions.list())[0].title, 'fox');
      assert.ok((await lore.validate()).ok, JSON.stringify((await lore.validate()).problems));
    } finally {
      await lore.close();
    }
  } finally {
    ws.cleanup();
  }
});

test('getDocument returns the indexed text, a line range, and the stale flag', async () => {
  const text = '---\ntitle: Deploy guide\n---\n# Deploy\n\nStep one.\n\n## Rollback\n\nRevert the release.\n';
  const ws = tempWorkspace({ 'docs/deploy.md': text });
  try {
    const lore = await ws.open();
    await lore.index();
    const doc = (await lore.getDocument('docs/deploy.md'))!;
    assert.equal(doc.title, 'Deploy guide');
    assert.equal(doc.stale, false);
    const lines = text.split('\n');
    assert.equal(doc.text.split('\n').slice(3).join('\n').trimEnd(), lines.slice(3).join('\n').trimEnd());
    const part = (await lore.getDocument('docs\\deploy.md', { startLine: 8, endLine: 10 }))!;
    assert.deepEqual([part.startLine, part.endLine, part.text], [8, 10, '## Rollback\n\nRevert the release.']);
    assert.equal((await lore.getDocument(`${ws.root}/docs/deploy.md`, { startLine: 9 }))?.startLine, 9);
    assert.equal((await lore.getDocument('docs/missing.md')), undefined);
    await assert.rejects(lore.getDocument('docs/deploy.md', { startLine: 5, endLine: 2 }), /ends before it starts/);
    await assert.rejects(lore.getDocument('docs/deploy.md', { startLine: 0 }), /whole number/);
    ws.write('docs/deploy.md', text + 'More.\n');
    assert.equal((await lore.getDocument('docs/deploy.md'))!.stale, true);
  } finally {
    ws.cleanup();
  }
});
