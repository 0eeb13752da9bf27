import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempWorkspace } from './helpers';

test('maintain indexes, then watches: a file written afterwards is found without another call', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const lore = await ws.open();
    const stop = new AbortController();
    const phases: string[] = [];
    let batch!: () => void;
    const changed = new Promise<void>((r) => (batch = r));
    const summary = await lore.maintain({
      signal: stop.signal,
      onProgress: (p) => phases.push(p.phase),
      onIndexed: (s) => void phases.push(`indexed ${s.added}`),
      onBatch: (b) => b.paths.includes('b.md') && batch(),
    });
    assert.equal(summary?.added, 1);
    assert.ok(phases.includes('indexed 1') && phases.indexOf('indexed 1') > 0, `progress first, then onIndexed: ${phases}`);
    assert.equal((await lore.status()).watching, true);
    ws.write('b.md', '# B\n\nbilby\n');
    await changed;
    assert.equal((await lore.search('bilby')).results.length, 1);
    stop.abort();
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('maintain: cancelling the first pass still watches; ending maintenance stops both', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const lore = await ws.open();
    const stop = new AbortController();
    const cancel = new AbortController();
    cancel.abort();
    assert.equal(await lore.maintain({ signal: stop.signal, cancelPass: cancel.signal }), undefined, 'no pass');
    assert.equal((await lore.status()).watching, true);
    await lore.unwatch();

    stop.abort();
    await assert.rejects(lore.maintain({ signal: stop.signal }), (err: { code?: string }) => err.code === 'ABORTED');
    assert.equal((await lore.status()).watching, false, 'ended: nothing watched');

    const later = new AbortController();
    await lore.maintain({ signal: later.signal, index: false });
    assert.equal((await lore.status()).watching, true);
    later.abort();
    await new Promise<void>((resolve) => {
      const check = () => void lore.status().then((s) => (s.watching ? setImmediate(check) : resolve()));
      check();
    });
    await lore.close();
  } finally {
    ws.cleanup();
  }
});
