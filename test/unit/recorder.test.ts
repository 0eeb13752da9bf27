import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openUserData, userDataPathFor } from '../../src/core/storage/sqlite/userData';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import { tempWorkspace } from './helpers';

function history() {
  const ws = tempWorkspace();
  const user = openUserData(userDataPathFor(ws.dbPath));
  return { store: user.sessions, done: () => (user.close(), ws.cleanup()) };
}

test("'recorder' policy: one session for the recorder's life, titled from the first hint, a new one after deletion", async () => {
  const h = history();
  try {
    const r = new SessionRecorder({ store: () => h.store, policy: 'recorder', idPrefix: 'vscode', title: (hint) => `ws: ${hint}`, metadata: () => ({ host: 'vscode' }) });
    await r.record('search', { query: 'wal' }, { hint: 'wal' });
    await r.record('open', { path: 'a.md' }, { hint: 'A' });
    const [s] = (await h.store.list());
    assert.match(s.id, /^vscode-[0-9a-f-]{36}$/);
    assert.deepEqual([s.title, s.eventCount, s.metadata], ['ws: wal', 2, { host: 'vscode' }]);
    await h.store.delete(s.id);
    await r.record('search', { query: 'again' }, { hint: 'again' });
    assert.deepEqual((await h.store.list()).map((x) => [x.title, x.eventCount]), [['ws: again', 1]]);
    assert.notEqual(r.currentId, s.id);
  } finally {
    h.done();
  }
});

test("'day' policy: one session per UTC day; 'conversation': the caller's id", async () => {
  const h = history();
  try {
    let now = Date.UTC(2026, 11, 1, 23, 0);
    const day = new SessionRecorder({ store: () => h.store, policy: 'day', idPrefix: 'tools', title: (d) => `tools ${d}`, clock: () => now });
    await day.record('tool', { tool: 'lore_search' });
    await day.record('tool', { tool: 'lore_search' });
    now += 2 * 3600_000;
    await day.record('tool', { tool: 'lore_sessions' });
    assert.deepEqual((await h.store.list()).map((s) => [s.id, s.title, s.eventCount]).sort(), [
      ['tools-2026-12-01', 'tools 2026-12-01', 2],
      ['tools-2026-12-02', 'tools 2026-12-02', 1],
    ]);
    const chat = new SessionRecorder({ store: () => h.store, policy: 'conversation', idPrefix: 'chat' });
    await chat.record('chat.request', { prompt: 'hi' }, { conversation: 'conv-1', hint: 'Greeting' });
    await chat.record('chat.response', { text: 'hello' }, { conversation: 'conv-1' });
    assert.deepEqual([(await h.store.get('conv-1'))?.title, (await h.store.get('conv-1'))?.eventCount], ['Greeting', 2]);
  } finally {
    h.done();
  }
});

test('recording never throws: failures are logged, a read-only or missing history records nothing', async () => {
  const h = history();
  try {
    const lines: string[] = [];
    const chat = new SessionRecorder({ store: () => h.store, policy: 'conversation', idPrefix: 'chat', log: (l) => lines.push(l) });
    assert.equal(await chat.record('chat.request', { prompt: 'x' }), undefined, 'no conversation id');
    assert.equal(await chat.record('chat.request', [] as unknown as Record<string, unknown>, { conversation: 'c' }), undefined);
    assert.equal(lines.length, 2);
    assert.match(lines[1], /could not record chat\.request: .*JSON object/);
    const none = new SessionRecorder({ store: () => undefined, policy: 'recorder', idPrefix: 'mcp', log: (l) => lines.push(l) });
    assert.equal(await none.record('tool', { tool: 'search' }), undefined);
    assert.equal(lines.length, 2, 'no history open: silently nothing');
  } finally {
    h.done();
  }
});
