import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { tempWorkspace } from './helpers';

describe('an index cut by another chunker or chunk size is re-chunked by the next index run', () => {
  const long = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} says something about the release train and its cadence.`).join('\n\n');
  const ws = tempWorkspace({ 'a.md': `# A\n\n${long}\n`, 'b.md': '# B\n\nShort.\n' });
  after(() => ws.cleanup());

  test('files are re-parsed once, then left alone', async () => {
    let lore = await ws.open({ config: { maxChunkChars: 4000 } });
    await lore.index();
    const before = (await lore.status()).chunks;
    assert.equal((await lore.index()).unchanged, 2, 'nothing to do on a second run');
    await lore.close();

    lore = await ws.open({ config: { maxChunkChars: 300 } });
    const summary = await lore.index();
    assert.ok((await lore.status()).chunks > before, `re-chunked at the smaller size: ${before} -> ${(await lore.status()).chunks}`);
    assert.equal(summary.unchanged, 0, 'every file was read again');
    assert.equal((await lore.index()).unchanged, 2, 'and only once');
    assert.ok((await lore.validate()).ok);
    await lore.close();
  });
});
