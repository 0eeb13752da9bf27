import assert from 'node:assert/strict';
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
