import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMarkdown } from '../../src/core/markdown/parse';
import { MAX_QUERY_CHARS, MAX_QUERY_WORDS } from '../../src/core/search/input';
import { eventually, tempWorkspace } from './helpers';

// Input built to make the parser or the query builder do unbounded work: each case ends with the
// file indexed (or failed with its reason) and the rest of the folder searchable.

const NESTED = 'nested more than 100 levels deep';

test('containers nested without end (lists in blockquotes, blockquotes alone) are chunked by lines, with the reason', async () => {
  const cases = {
    'quoted lists, one line': `# q\n\n${'> - '.repeat(25_000)}x\n`,
    'deep quotes, 21 lines': `${'>'.repeat(25_000)} x\n`.repeat(21),
    'quotes, one line': `${'>'.repeat(50_000)}\n`,
    'numbered in quotes': `${'> 1. '.repeat(120)}text\n`,
  };
  for (const [name, text] of Object.entries(cases)) {
    const doc = parseMarkdown(text, 'q.md');
    assert.ok(doc.warnings.some((w) => w.includes(NESTED)), `${name}: ${doc.warnings.join('; ')}`);
    assert.ok(doc.chunks.length >= 1, name);
  }
  // Real nesting, however deep a person writes it, is parsed as markdown.
  const real = parseMarkdown(`# Plan\n\n${'> - '.repeat(6)}step\n\n${'---'.repeat(200)}\n`, 'plan.md');
  assert.deepEqual(real.warnings, []);
});

test('a file that takes longer than its parse budget fails with the reason; the folder around it is indexed', async () => {
  // Quoted lists repeated line after line parse at ~15 KB/s: far over a 300 ms budget, under the nesting guard.
  const slow = `# Slow\n\n${`${'> - '.repeat(4)}x\n`.repeat(4_000)}`;
  const ws = tempWorkspace({ 'slow.md': slow, 'a.md': '# Alpha\n\nwombat notes\n', 'b.md': '# Beta\n\nquokka notes\n' });
  try {
    const lore = await ws.open({ config: { parseTimeoutMs: 300 } });
    const sum = await lore.index();
    assert.deepEqual([sum.added, sum.failed], [2, 1]);
    const [failed] = await lore.files('failed');
    assert.equal(failed.path, 'slow.md');
    assert.match(failed.error ?? '', /took longer than 0\.3 s to parse/);
    assert.equal((await lore.search('wombat', { mode: 'keyword' })).results[0]?.path, 'a.md');
    assert.equal((await lore.search('quokka', { mode: 'keyword' })).results[0]?.path, 'b.md');
    // Unchanged, it is not tried again at every run (it would cost its budget each time).
    assert.equal((await lore.index()).unchanged, 3);
    assert.equal((await lore.files('failed')).length, 1);
  } finally {
    ws.cleanup();
  }
});

test('query text over the limits is refused with a message, before any work; within them it is answered', async () => {
  const ws = tempWorkspace({ 'a.md': '# Alpha\n\nnot or and near words\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    await assert.rejects(lore.search('NOT '.repeat(5_000)), new RegExp(`at most ${MAX_QUERY_CHARS.toLocaleString('en-US')}`));
    await assert.rejects(lore.search('w '.repeat(MAX_QUERY_WORDS + 1)), new RegExp(`at most ${MAX_QUERY_WORDS}`));
    await assert.rejects(lore.sessions.findEvents('OR '.repeat(2_000)), /at most/);
    for (const q of ['NOT '.repeat(60), 'OR OR AND', '"'.repeat(999), `${'(('.repeat(100)}near`, 'ünïcödé NEAR/3 *']) {
      const res = await lore.search(q, { mode: 'keyword' });
      assert.ok(Array.isArray(res.results), q.slice(0, 20));
    }
    assert.equal((await lore.search('NOT '.repeat(60), { mode: 'keyword' })).results[0]?.path, 'a.md', 'operators are words');
  } finally {
    ws.cleanup();
  }
});

test('cancelling stops indexing at once, even in the middle of a file that parses for seconds', async () => {
  const slow = `# Slow\n\n${`${'> - '.repeat(4)}x\n`.repeat(20_000)}`; // ~25 s to parse: far past any wait below
  const ws = tempWorkspace({ 'a.md': '# Alpha\n\nwombat\n', 'slow.md': slow });
  try {
    const lore = await ws.open();
    const ac = new AbortController();
    let abortedAt = 0;
    const run = lore.index({
      signal: ac.signal,
      onProgress: (p) => {
        // a.md is written: slow.md, the only other file, is being parsed now.
        if (p.phase === 'indexing' && p.done === 1 && !abortedAt) {
          abortedAt = performance.now();
          ac.abort();
        }
      },
    });
    await assert.rejects(run, /Cancelled after 1 of 2 files/);
    const ms = performance.now() - abortedAt;
    // Waiting for slow.md would take its whole parse budget (10 s): stopping must not wait for it.
    assert.ok(ms < 2_000, `stopped ${Math.round(ms)} ms after the cancel`);
    assert.ok((await lore.validate()).ok);
    assert.deepEqual((await lore.files()).map((f) => [f.path, f.status]), [['a.md', 'synced']], 'slow.md waits for the next run, not failed');
  } finally {
    ws.cleanup();
  }
});

test('under watch, a file saved while another takes seconds to parse is searchable first', async () => {
  // ~2 s of parsing (quoted lists, under the nesting guard and well within a 30 s budget).
  const slow = `# Slow\n\n${`${'> - '.repeat(4)}x\n`.repeat(1_200)}`;
  const ws = tempWorkspace({ 'a.md': '# Alpha\n\nfirst words\n' });
  try {
    const lore = await ws.open({ config: { parseTimeoutMs: 30_000 } });
    await lore.index();
    const finished: string[][] = [];
    await lore.watch({ onBatch: (b) => finished.push(b.paths) }, { debounceMs: 50 });
    const slowStarted = new Promise<void>((resolve) => {
      const off = lore.onProgress((p) => p.phase === 'indexing' && p.total === 1 && (off(), resolve()));
    });
    ws.write('slow.md', slow);
    await slowStarted;
    ws.write('a.md', '# Alpha\n\nnow about pelicans\n');
    await eventually(async () => (await lore.search('pelicans', { mode: 'keyword' })).results[0]?.path === 'a.md', 'the quick edit searchable');
    await eventually(async () => finished.some((p) => p.includes('slow.md')), 'the slow file indexed too', 60_000);
    assert.ok(finished.findIndex((p) => p.includes('a.md')) < finished.findIndex((p) => p.includes('slow.md')), `batches ended in this order: ${JSON.stringify(finished)}`);
    assert.equal((await lore.files('synced')).length, 2);
  } finally {
    ws.cleanup();
  }
});
