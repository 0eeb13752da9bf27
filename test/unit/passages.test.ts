import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CUT_MARK, fitPassages, type Passage } from '../../src/core/search/passages';
import { tempWorkspace } from './helpers';

const para = (word: string, n: number) => Array.from({ length: n }, (_, i) => `The ${word} sentence ${i} of the section.`).join(' ');

test('searchPassages gives each hit its whole chunk, best first, within the budget in characters or tokens', async () => {
  const ws = tempWorkspace({
    'a.md': `# Alpha\n\n## Storage\n\n${para('wombat storage', 20)}\n`,
    'b.md': `# Beta\n\n## Notes\n\nOne wombat here.\n`,
  });
  try {
    const lore = await ws.open();
    await lore.index();
    const whole = await lore.searchPassages('wombat', { mode: 'keyword', budgetChars: 100_000 });
    assert.equal(whole.total, 2);
    assert.deepEqual(whole.passages.map((p) => p.path).sort(), ['a.md', 'b.md']);
    const a = whole.passages.find((p) => p.path === 'a.md')!;
    assert.ok(a.text.includes('The wombat storage sentence 19 of the section.'), 'the whole chunk, not the snippet');
    assert.equal(a.truncated, undefined);
    assert.equal(whole.omitted, 0);

    const small = await lore.searchPassages('wombat', { mode: 'keyword', budgetChars: 600 });
    assert.ok(small.chars <= 600, `used ${small.chars}`);
    assert.ok(small.passages.some((p) => p.truncated && p.text.endsWith(CUT_MARK)), JSON.stringify(small.passages.map((p) => [p.path, p.text.length, p.truncated])));
    const tokens = await lore.searchPassages('wombat', { mode: 'keyword', budgetTokens: 100 });
    assert.ok(tokens.chars <= 350, `100 tokens are 350 characters, used ${tokens.chars}`);
    await assert.rejects(lore.searchPassages('wombat', { budgetChars: 100, budgetTokens: 10 }), /not both/);
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('fitPassages counts each passage\'s overhead against the budget', async () => {
  const p = (n: number): Passage => ({ path: `p${n}.md`, title: 'T', headingPath: '', startLine: 1, endLine: 2, text: 'x'.repeat(100), score: 1, stale: false, documentType: 'note' });
  const without = fitPassages([p(1), p(2), p(3)], 300, { minUseful: 50 });
  assert.equal(without.passages.length, 3);
  const fit = fitPassages([p(1), p(2), p(3)], 300, { minUseful: 50, overhead: () => 60 });
  assert.ok(fit.chars <= 300, `used ${fit.chars}`);
  assert.deepEqual([fit.passages.length, fit.omitted, fit.truncated], [2, 1, 1]);
});
