// Consolidation: a session's events become proposals; accepted ones are written (audited as
// 'consolidate'), the session says how far it was consolidated, and a second run proposes only what is new.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finishConsolidation, keyFromText, proposeConsolidation, abandonConsolidation } from '../../src/core/memory/consolidate';
import { tempWorkspace } from './helpers';

test('extractive: the questions, the documents opened and each cited answer; accepted ones written; a rerun proposes only new events', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n' });
  try {
    const lore = await ws.open();
    const s = lore.sessions;
    await s.record('chat-1', 'chat.request', { prompt: 'How is the staging database reset?' });
    await s.record('chat-1', 'chat.response', { text: 'A cron job resets it nightly at 02:00 UTC. It restores the seed dump. Ask ops to skip a night.', references: [{ path: 'ops/deploy.md', startLine: 3, endLine: 9 }] });
    await s.record('chat-1', 'search', { query: 'seed dump' });
    await s.record('chat-1', 'open', { path: 'ops/seed.md', line: 1 });
    await s.record('chat-1', 'chat.request', { prompt: 'and who owns it?' });
    await s.record('chat-1', 'chat.response', { text: 'No passage says.', references: [] });
    const run = await proposeConsolidation(s, lore.memory, 'chat-1', { namespace: 'project:demo' });
    assert.equal(run.source, 'extractive');
    assert.equal(run.newEvents, 6);
    assert.equal((await s.get('chat-1'))?.state.consolidation && ((await s.get('chat-1'))!.state.consolidation as { status: string }).status, 'consolidating');
    assert.deepEqual(run.proposals.map((p) => [p.namespace, p.key, p.type]), [
      ['session:chat-1', 'questions', 'episodic'],
      ['session:chat-1', 'documents-opened', 'episodic'],
      ['project:demo', 'staging-database-reset', 'semantic'],
    ]);
    assert.deepEqual(run.proposals[0].value, ['How is the staging database reset?', 'seed dump', 'and who owns it?']);
    assert.deepEqual(run.proposals[2].value, { question: 'How is the staging database reset?', answer: 'A cron job resets it nightly at 02:00 UTC. It restores the seed dump. Ask ops to skip a night.', sources: ['ops/deploy.md:3-9'] });
    // The user keeps two of the three, the answer edited.
    const accepted = [run.proposals[0], { ...run.proposals[2], value: 'staging is reset nightly at 02:00 UTC by cron' }];
    assert.equal(await finishConsolidation(s, lore.memory, 'chat-1', accepted, run.throughEventId, { by: 'alice' }), 2);
    const state = (await s.get('chat-1'))!.state.consolidation as { status: string; throughEventId: number; written: number };
    assert.deepEqual([state.status, state.throughEventId, state.written], ['consolidated', run.throughEventId, 2]);
    const audit = await lore.memory.audit({ namespace: 'project:demo', key: 'staging-database-reset' });
    assert.deepEqual(audit.map((a) => [a.operation, a.actor, a.sessionId]), [['consolidate', 'alice', 'chat-1']]);
    // Nothing new: nothing proposed.
    const again = await proposeConsolidation(s, lore.memory, 'chat-1', { namespace: 'project:demo' });
    assert.deepEqual([again.newEvents, again.proposals.length], [0, 0]);
    await finishConsolidation(s, lore.memory, 'chat-1', [], again.throughEventId);
    // New events: only they are read.
    await s.record('chat-1', 'open', { path: 'ops/owners.md', line: 1 });
    const third = await proposeConsolidation(s, lore.memory, 'chat-1', { namespace: 'project:demo' });
    assert.deepEqual(third.proposals.map((p) => [p.key, p.value]), [['documents-opened', ['ops/owners.md']]]);
    // Cancelled: the session is as it was.
    await abandonConsolidation(s, 'chat-1', third.before);
    assert.equal(((await s.get('chat-1'))!.state.consolidation as { status: string }).status, 'consolidated');
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('with a chat model: its JSON reply (fenced, with prose) becomes proposals; a reply that cannot be used falls back to extractive, saying why', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n' });
  try {
    const lore = await ws.open();
    await lore.sessions.record('chat-2', 'chat.request', { prompt: 'always dry-run migrations?' });
    await lore.sessions.record('chat-2', 'chat.response', { text: 'Yes: run them with --dry-run first.', references: [{ path: 'db.md', startLine: 1, endLine: 2 }] });
    const prompts: string[] = [];
    const model = async (prompt: string) => {
      prompts.push(prompt);
      return 'Here you go:\n```json\n[{"namespace": "project:demo:db", "key": "Dry run migrations", "value": "Run migrations with --dry-run first.", "type": "procedural"}, {"namespace": "elsewhere:x", "key": "k", "value": "kept under the workspace namespace"}, {"key": "", "value": ""}]\n```';
    };
    const run = await proposeConsolidation(lore.sessions, lore.memory, 'chat-2', { namespace: 'project:demo', model });
    assert.equal(run.source, 'model');
    assert.match(prompts[0], /USER: always dry-run migrations\?\nASSISTANT: Yes: run them with --dry-run first\./);
    assert.deepEqual(run.proposals.map((p) => [p.namespace, p.key, p.type]), [['project:demo:db', 'dry-run-migrations', 'procedural'], ['project:demo', 'k', 'semantic']]);
    const junk = await proposeConsolidation(lore.sessions, lore.memory, 'chat-2', { namespace: 'project:demo', model: async () => 'I cannot help with that.' });
    assert.equal(junk.source, 'extractive');
    assert.equal(junk.modelNote, 'the model proposed nothing that could be used');
    const failing = await proposeConsolidation(lore.sessions, lore.memory, 'chat-2', { namespace: 'project:demo', model: async () => { throw new Error('no consent'); } });
    assert.deepEqual([failing.source, failing.modelNote], ['extractive', 'the model could not be used: no consent']);
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('keys from text: the words that say something, kebab-case, bounded', () => {
  assert.equal(keyFromText('How is the staging database reset?'), 'staging-database-reset');
  assert.equal(keyFromText('???'), 'note');
  assert.ok(keyFromText('word '.repeat(50)).length <= 40);
});

test('/remember phrases: namespace first, "key =" or "key:", else a key from the words; JSON objects stay JSON', async () => {
  const { parseRememberPhrase } = await import('../../src/core/memory/phrase');
  assert.deepEqual(parseRememberPhrase('the staging DB is reset nightly', 'project:demo'), { namespace: 'project:demo', key: 'staging-db-reset-nightly', value: 'the staging DB is reset nightly' });
  assert.deepEqual(parseRememberPhrase('project:demo:ops staging-db = reset nightly', 'project:demo'), { namespace: 'project:demo:ops', key: 'staging-db', value: 'reset nightly' });
  assert.deepEqual(parseRememberPhrase('tone: short answers please', 'user:prefs'), { namespace: 'user:prefs', key: 'tone', value: 'short answers please' });
  assert.deepEqual(parseRememberPhrase('limits {"rps": 20}', 'project:demo'), { namespace: 'project:demo', key: 'limits-rps-20', value: 'limits {"rps": 20}' });
  assert.deepEqual(parseRememberPhrase('limits = {"rps": 20}', 'project:demo'), { namespace: 'project:demo', key: 'limits', value: { rps: 20 } });
  assert.equal(parseRememberPhrase('   ', 'project:demo'), undefined);
  assert.deepEqual(parseRememberPhrase('http://x.example is the dashboard', 'project:demo')?.namespace, 'project:demo', 'a URL is not a namespace');
});

test('two proposals with one key are kept apart (-2), and a model namespace that only starts alike is not taken', async () => {
  const { onlyNew, parseModelProposals } = await import('../../src/core/memory/consolidate');
  const ws = tempWorkspace({ 'a.md': '# A\n' });
  try {
    const lore = await ws.open();
    const p = { namespace: 'project:demo', key: 'note', value: 'a', type: 'semantic' as const, reason: 'r' };
    assert.deepEqual((await onlyNew(lore.memory, [p, { ...p, value: 'b' }, { ...p, value: 'c' }])).map((x) => x.key), ['note', 'note-2', 'note-3']);
    assert.deepEqual(parseModelProposals('[{"namespace": "project:demolition", "key": "k", "value": "v"}]', 'project:demo').map((x) => x.namespace), ['project:demo']);
    await lore.close();
  } finally {
    ws.cleanup();
  }
});
