// The memory tools' input checks: what a model sends, and the message it gets back to correct its call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRemember, parseRecallInput, parseRememberInput } from '../../src/extension/tools/memoryInput';

test('lore_remember: namespace, key and value required, checked as the store checks them, with messages for the model', () => {
  assert.deepEqual(parseRememberInput({ namespace: ' project:lore ', key: 'staging-db', value: 'reset nightly' }), {
    namespace: 'project:lore', key: 'staging-db', value: 'reset nightly', type: undefined, ttlMs: undefined,
  });
  assert.equal(parseRememberInput({ namespace: 'session:x', key: 'k', value: 'v', type: 'episodic', ttl: '12h' }).ttlMs, 12 * 3_600_000);
  const cases: Array<[unknown, RegExp]> = [
    [[], /must be a JSON object/],
    [{ key: 'k', value: 'v' }, /"namespace" is required/],
    [{ namespace: 'project:x', value: 'v' }, /"key" is required/],
    [{ namespace: 'project:x', key: 'k' }, /"value" is required/],
    [{ namespace: 'project:x', key: 'k', value: 3 }, /"value" must be a string/],
    [{ namespace: 'Project', key: 'k', value: 'v' }, /is not a memory namespace/],
    [{ namespace: 'project:x', key: 'k', value: 'v', type: 'belief' }, /semantic, episodic or procedural/],
    [{ namespace: 'project:x', key: 'k', value: 'v', ttl: '1d' }, /"ttl" is for episodic memories only/],
    [{ namespace: 'project:x', key: 'k', value: 'v', type: 'episodic', ttl: 'tomorrow' }, /A TTL is a number and a unit/],
  ];
  for (const [input, message] of cases) assert.throws(() => parseRememberInput(input), message, JSON.stringify(input));
  assert.equal(describeRemember(parseRememberInput({ namespace: 'project:x', key: 'k', value: 'v'.repeat(300) })).length < 260, true, 'the confirmation stays short');
});

test('lore_recall: one memory, a search, or a listing', () => {
  assert.deepEqual(parseRecallInput({ namespace: 'project:x', key: 'k' }), { namespace: 'project:x', key: 'k' });
  assert.deepEqual(parseRecallInput({ query: 'staging reset' }), { query: 'staging reset', prefix: undefined });
  assert.deepEqual(parseRecallInput({ namespace: 'project' }), { query: undefined, prefix: 'project' });
  assert.deepEqual(parseRecallInput(undefined), { query: undefined, prefix: undefined });
  assert.throws(() => parseRecallInput({ key: 'k' }), /"key" needs its "namespace"/);
  assert.throws(() => parseRecallInput({ prefix: 'Bad Prefix' }), /is not a namespace prefix/);
});
