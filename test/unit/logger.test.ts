import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempWorkspace } from './helpers';

test('a failure the index carries on past is reported to the logger the host passed in', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const warnings: string[] = [];
    const lore = await ws.open({ logger: { warn: (m) => warnings.push(m) } });
    let calls = 0;
    lore.onStatusChange(() => {
      calls++;
      throw new Error('listener broke');
    });
    const summary = await lore.index();
    assert.equal(summary.added, 1, 'indexing carried on');
    assert.ok(calls > 0);
    assert.ok(warnings.some((w) => /a status listener failed: listener broke/.test(w)), JSON.stringify(warnings));
    await lore.close();
  } finally {
    ws.cleanup();
  }
});
