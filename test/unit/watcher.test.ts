import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, tempWorkspace } from './helpers';

test('a saved file becomes searchable, a deleted one leaves, and a burst of 300 files is a few batches', async () => {
  const ws = tempWorkspace({ 'notes/a.md': '# A\n\nfirst words\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    const batches: number[] = [];
    await lore.watch({ onBatch: (b) => batches.push(b.paths.length) });

    ws.write('notes/a.md', '# A\n\nnow about pelicans\n');
    await eventually(async () => (await lore.search('pelicans')).results.length === 1, 'edited text searchable');
    ws.write('notes/new.md', '# New\n\nflamingos arrive\n');
    await eventually(async () => (await lore.search('flamingos')).results[0]?.path === 'notes/new.md', 'new file searchable');
    ws.remove('notes/new.md');
    await eventually(async () => (await lore.search('flamingos')).results.length === 0, 'deleted file gone');
    ws.write('node_modules/x/readme.md', '# dependency\n\nostriches\n');

    batches.length = 0;
    for (let i = 0; i < 300; i++) ws.write(`branch/doc-${i}.md`, `# Doc ${i}\n\nswitched branch text ${i}\n`);
    await eventually(async () => (await lore.status()).documents === 301, 'all 300 indexed', 15000).catch(async (e) => { throw new Error(e.message + ' docs=' + (await lore.status()).documents + ' batches=' + JSON.stringify(batches)); });
    assert.ok(batches.length <= 5, `300 files in ${batches.length} batches`);
    assert.equal((await lore.search('ostriches')).results.length, 0, 'node_modules is never indexed');
    assert.ok((await lore.validate()).ok);
  } finally {
    ws.cleanup();
  }
});

test('renames, folder moves and atomic saves under watch leave no document stale once they settle', async () => {
  const ws = tempWorkspace({ 'b.md': '# B\n\nbadgers\n', 'dir/c.md': '# C\n\ncoyotes\n', 'dir/d.md': '# D\n\ndingoes\n', 'e.md': '# E\n\nemus\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    let settled: () => void = () => undefined;
    const summaries: { renamed: number }[] = [];
    await lore.watch({ onBatch: (_b, s) => (summaries.push(s), settled()) });
    const quiet = async (what: string, done: () => Promise<boolean>) => {
      // Each batch the watcher hands over is indexed; wait for the one after which `done` holds.
      for (;;) {
        if (await done()) return;
        await new Promise<void>((resolve) => (settled = resolve));
        assert.ok(summaries.length < 50, `${what}: still not settled after ${summaries.length} batches`);
      }
    };
    const staleCount = async () => (await lore.status()).counts.stale;
    ws.move('b.md', 'b2.md');
    await quiet('rename', async () => (await lore.files()).some((f) => f.path === 'b2.md') && !(await lore.files()).some((f) => f.path === 'b.md'));
    assert.equal(await staleCount(), 0, 'a renamed file is not left stale');
    ws.move('dir', 'moved');
    await quiet('folder move', async () => (await lore.files()).filter((f) => f.path.startsWith('moved/')).length === 2 && !(await lore.files()).some((f) => f.path.startsWith('dir/')));
    assert.equal(await staleCount(), 0, 'a moved folder leaves nothing stale');
    // An editor's atomic save: write a temporary file, then rename it over the original.
    ws.write('.e.md.tmp', '# E\n\nemus and echidnas\n');
    ws.move('.e.md.tmp', 'e.md');
    await quiet('atomic save', async () => (await lore.search('echidnas', { mode: 'keyword' })).results[0]?.path === 'e.md');
    assert.equal(await staleCount(), 0, 'an atomic save leaves nothing stale');
    assert.ok(summaries.some((s) => s.renamed > 0), 'renames kept their chunks');
    const paths = (await lore.files()).map((f) => f.path).sort();
    assert.deepEqual(paths, ['b2.md', 'e.md', 'moved/c.md', 'moved/d.md']);
  } finally {
    ws.cleanup();
  }
});

test('under watch, a link that goes nowhere is listed as skipped, and leaves the list once it is removed', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    await lore.watch({}, { debounceMs: 50 });
    fs.symlinkSync('nowhere.md', path.join(ws.root, 'dangling.md'));
    const listed = await eventually(async () => (await lore.status()).skipped.paths.find((p) => p.path === 'dangling.md'), 'the broken link listed');
    assert.equal(listed?.reason, 'a symbolic link to nothing');
    fs.rmSync(path.join(ws.root, 'dangling.md'));
    await eventually(async () => (await lore.status()).skipped.count === 0, 'the removed link no longer listed');
  } finally {
    ws.cleanup();
  }
});
