import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overlaps, RunLanes } from '../../src/core/index/lanes';

test('runs over the same paths keep their order; runs over other paths start beside them', async () => {
  const lanes = new RunLanes();
  const log: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const slow = lanes.run(['docs/slow.md'], async () => {
    log.push('slow start');
    await held;
    log.push('slow end');
  });
  const same = lanes.run(['docs'], async () => void log.push('docs folder'));
  const other = lanes.run(['notes/a.md'], async () => void log.push('other'));
  await other;
  assert.deepEqual(log, ['slow start', 'other'], 'a run over other paths did not wait');
  const full = lanes.run(undefined, async () => void log.push('full pass'));
  release();
  await Promise.all([slow, same, full]);
  assert.deepEqual(log, ['slow start', 'other', 'slow end', 'docs folder', 'full pass']);
  // A failed run does not stop the ones after it.
  await assert.rejects(lanes.run(['x.md'], async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await lanes.run(['x.md'], async () => 'after'), 'after');
  await lanes.idle();
});

test('scopes overlap when one path holds the other', () => {
  assert.ok(overlaps(['docs'], ['docs/a.md']));
  assert.ok(overlaps(['docs/a.md'], ['docs/a.md']));
  assert.ok(overlaps([''], ['notes/a.md']));
  assert.ok(overlaps(undefined, ['a.md']));
  assert.ok(!overlaps(['docs'], ['docs2/a.md']), 'a folder does not hold its namesake with a suffix');
  assert.ok(!overlaps(['a.md'], ['b.md']));
});
