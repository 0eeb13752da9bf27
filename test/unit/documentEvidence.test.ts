import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Lore } from '../../src/core/service';
import { tempWorkspace, type TempWorkspace } from './helpers';

// Whole-document evidence (keyword.ts, coverage.ts): a document whose sections between them hold
// the query outranks documents that each hold only part of it in one passage; repeating one word
// in many sections earns nothing.
describe('document evidence', () => {
  let ws: TempWorkspace;
  let lore: Lore;
  const filler = (n: number) => Array.from({ length: n }, (_, i) => `Line ${i} of unrelated prose about nothing much.`).join('\n');
  before(async () => {
    ws = tempWorkspace({
      // The answer: its two sections hold all four words between them.
      'guide/release.md': `# Release guide\n\n## Tagging\n\nSign the tag with gpg before pushing.\n\n${filler(12)}\n\n## Publishing\n\nUpload the tarball to the mirror afterwards.\n`,
      // Each holds two of the words in one short passage (a better single passage than either of the guide's).
      'notes/gpg.md': '# Keys\n\nThe gpg tag.\n',
      'notes/mirror.md': '# Hosting\n\nThe tarball mirror.\n',
      // One word again and again, in many sections.
      'notes/repeat.md': `# Repeat\n\n${Array.from({ length: 8 }, (_, i) => `## Part ${i}\n\nThe checksum matters.\n\n${filler(8)}`).join('\n\n')}\n`,
      'notes/once.md': '# Once\n\nThe checksum matters.\n',
    });
    for (let i = 0; i < 30; i++) ws.write(`bulk/n${i}.md`, `# Note ${i}\n\n${filler(3)}\n`);
    lore = await ws.open({ embedder: null });
    await lore.index();
  });
  after(() => ws.cleanup());

  test('the document whose passages hold the whole query between them ranks first, with the bonus explained', async () => {
    const res = await lore.search('gpg tag tarball mirror', { k: 3, mode: 'keyword', explain: true });
    assert.equal(res.results[0].path, 'guide/release.md');
    const e = res.results[0].explain!;
    assert.ok((e.keyword!.documentBonus ?? 0) > 0, 'bonus for the other section');
    assert.match(e.summary, /for query words in the document's other passages/);
    assert.deepEqual(res.results.slice(1).map((r) => r.path).sort(), ['notes/gpg.md', 'notes/mirror.md']);
  });

  test('a word repeated in many sections adds nothing over saying it once', async () => {
    const res = await lore.search('checksum', { k: 2, mode: 'keyword', explain: true });
    const repeat = res.results.find((r) => r.path === 'notes/repeat.md')!;
    assert.ok(repeat, 'found');
    assert.equal(repeat.explain!.keyword!.documentBonus ?? 0, 0);
    assert.equal(res.results[0].path, 'notes/once.md', 'the short note holding the word ranks first, as BM25 has it');
  });
});
