import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCount } from '../../src/core/format';
import { orderForUser, sortInTurns } from '../../src/core/index/priority';
import { Turns } from '../../src/core/turns';

// Long loops on the editor's thread give it turns; counts read as people write them.

test('ordering 60,000 files gives the thread turns while it works, and sorts exactly as one sort would', async () => {
  const items = Array.from({ length: 60_000 }, (_, i) => ({ rel: `lang${i % 41}/section${i % 97}/page${(i * 7919) % 60_000}.md` }));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const ordered = await orderForUser(items, () => 0);
  clearInterval(timer);
  assert.ok(ticks > 0, 'timers ran during the ordering');
  assert.equal(ordered.length, items.length);
  const cmp = (a: number, b: number) => (a % 1000) - (b % 1000); // many ties: stability shows
  const numbers = Array.from({ length: 20_000 }, (_, i) => (i * 104729) % 20_011);
  assert.deepEqual(await sortInTurns(new Turns(0), numbers.slice(), cmp), numbers.slice().sort(cmp));
});

test('counts are written with thousands separators, without locale data', () => {
  assert.deepEqual([0, 7, 999, 1000, 38952, 1234567, -1234].map(formatCount), ['0', '7', '999', '1,000', '38,952', '1,234,567', '-1,234']);
});

test('two loops taking turns at once let the thread\'s timers run between any two of their pieces', async () => {
  const seq: string[] = [];
  const timer = setInterval(() => seq.push('T'), 1);
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  const loop = async (name: string) => {
    const turns = new Turns(0);
    for (let i = 0; i < 10; i++) {
      await turns.take();
      busy(4); // a piece (a keyword range, a vector rescoring) that cannot be cut smaller
      seq.push(name);
    }
  };
  await Promise.all([loop('A'), loop('B')]);
  clearInterval(timer);
  const pieces = seq.filter((s) => s !== 'T');
  assert.equal(pieces.length, 20);
  const backToBack = seq.findIndex((s, i) => s !== 'T' && i > 0 && seq[i - 1] !== 'T');
  assert.equal(backToBack, -1, `two pieces ran in one turn of the event loop: ${seq.join('')}`);
});

test('a loop that starts in the middle of another\'s piece counts the time already spent', async () => {
  await new Turns(0).take(); // a piece starts now
  const end = performance.now() + 12;
  while (performance.now() < end); // 12 ms of it, by one loop
  assert.equal(new Turns(8).due(), true, 'a second loop started now yields before its first piece');
  await new Turns(0).take();
  assert.equal(new Turns(8).due(), false, 'and just after a turn, it does not');
});
