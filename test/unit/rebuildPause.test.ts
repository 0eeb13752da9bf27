import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import type { WatchEvents } from '../../src/core/service';
import { tempWorkspace } from './helpers';

test('rebuild drops the index and builds it again from the files, keeping session history', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha words\n', 'b.md': '# B\n\nbeta words\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    const s = (await lore.sessions.create({ title: 'kept' }));
    await lore.sessions.record(s.id, 'search', { query: 'alpha' });
    ws.remove('b.md');
    ws.write('c.md', '# C\n\ngamma words\n');
    const summary = await lore.rebuild();
    assert.equal(summary.added, 2, 'every file is indexed as new');
    assert.deepEqual((await lore.files()).map((f) => f.path), ['a.md', 'c.md']);
    assert.equal((await lore.search('gamma')).results.length, 1);
    assert.equal((await lore.search('beta')).results.length, 0);
    assert.equal((await lore.sessions.events(s.id)).length, 1, 'session history survives a rebuild');
    assert.ok((await lore.validate()).ok);
  } finally {
    ws.cleanup();
  }
});

/** Resolves with the next change batch a watcher hands over for `rel`. */
function batchFor(rel: string): { events: WatchEvents; seen: Promise<void> } {
  let resolve!: () => void;
  const seen = new Promise<void>((r) => (resolve = r));
  return { events: { onBatch: (b) => b.paths.includes(rel) && resolve() }, seen };
}

test('after unwatch, changes are not indexed; watching again indexes the next change by itself', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    await lore.watch();
    await lore.unwatch();
    assert.equal((await lore.status()).watching, false);

    // A second index of the same folder, still watching, tells when the change has settled: by the
    // time it has indexed the file, a watcher left running in the paused Lore would have queued it.
    const reference = await ws.open({ dbPath: path.join(path.dirname(ws.dbPath), 'reference.db') });
    const late = batchFor('late.md');
    await reference.watch(late.events);
    ws.write('late.md', '# Late\n\nwombats\n');
    await late.seen;
    await lore.index({ paths: ['no-such-file.md'] }); // runs after anything a watcher queued
    assert.equal((await lore.search('wombats')).results.length, 0, 'paused: not indexed');

    const later = batchFor('later.md');
    await lore.watch(later.events);
    ws.write('later.md', '# Later\n\nnumbats\n');
    await later.seen;
    assert.equal((await lore.search('numbats')).results.length, 1, 'indexed by the watcher, with no index() call');
  } finally {
    ws.cleanup();
  }
});
