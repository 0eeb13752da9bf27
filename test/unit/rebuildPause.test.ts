import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, tempWorkspace } from './helpers';

test('rebuild drops the index and builds it again from the files, keeping session history', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha words\n', 'b.md': '# B\n\nbeta words\n' });
  try {
    const lore = ws.open();
    await lore.index();
    const s = lore.sessions.create({ title: 'kept' });
    lore.sessions.record(s.id, 'search', { query: 'alpha' });
    ws.remove('b.md');
    ws.write('c.md', '# C\n\ngamma words\n');
    const summary = await lore.rebuild();
    assert.equal(summary.added, 2, 'every file is indexed as new');
    assert.deepEqual(lore.files().map((f) => f.path), ['a.md', 'c.md']);
    assert.equal((await lore.search('gamma')).results.length, 1);
    assert.equal((await lore.search('beta')).results.length, 0);
    assert.equal(lore.sessions.events(s.id).length, 1, 'session history survives a rebuild');
    assert.ok(lore.validate().ok);
  } finally {
    ws.cleanup();
  }
});

test('after unwatch, changes are not indexed until watching again', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const lore = ws.open();
    await lore.index();
    await lore.watch();
    await lore.unwatch();
    assert.equal(lore.status().watching, false);
    ws.write('late.md', '# Late\n\nwombats\n');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await lore.search('wombats')).results.length, 0, 'paused: not indexed');
    await lore.watch();
    await lore.index();
    await eventually(async () => (await lore.search('wombats')).results.length === 1, 'indexed after resume');
  } finally {
    ws.cleanup();
  }
});
