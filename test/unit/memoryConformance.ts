/**
 * What every storage backend's durable memory must do, through the MemoryStore interface only:
 * versions, soft delete and restore, namespace prefixes, TTL expiry, JSON checks, text search, the
 * audit, and that it is user data (a rebuild of the index leaves it). storageConformance.test.ts runs it.
 */
import assert from 'node:assert/strict';
import { type ConformanceTarget, storageTest } from './storageConformance';

const HOUR = 60 * 60 * 1000;

export function memoryConformance(target: ConformanceTarget): void {
  const withStorage = storageTest(target, 'memory');

  withStorage('every remember is a new version; recall gives the latest, history all, restore writes an old one again', async (s) => {
    let changes = 0;
    const off = s.memory.onDidChange(() => changes++);
    const v1 = await s.memory.remember('project:lore:deploy', 'staging-db', 'reset nightly at 02:00', { by: 'alice', sessionId: 'chat-1' });
    assert.deepEqual([v1.version, v1.type, v1.deleted, v1.createdBy, v1.updatedBy], [1, 'semantic', false, 'alice', 'alice']);
    const v2 = await s.memory.remember('project:lore:deploy', 'staging-db', { reset: 'nightly', at: '03:00' }, { by: 'lm:lore_remember' });
    assert.deepEqual([v2.version, v2.createdBy, v2.updatedBy, v2.createdAt], [2, 'alice', 'lm:lore_remember', v1.createdAt]);
    assert.deepEqual((await s.memory.recall('project:lore:deploy', 'staging-db'))?.value, { reset: 'nightly', at: '03:00' });
    assert.deepEqual((await s.memory.history('project:lore:deploy', 'staging-db')).map((e) => e.version), [2, 1], 'newest first, the old one kept');
    const v3 = await s.memory.restore('project:lore:deploy', 'staging-db', 1, { by: 'bob' });
    assert.deepEqual([v3.version, v3.value, v3.updatedBy], [3, 'reset nightly at 02:00', 'bob']);
    await assert.rejects(s.memory.restore('project:lore:deploy', 'staging-db', 9), /has no version 9 \(it has 1, 2, 3\)/);
    await assert.rejects(s.memory.restore('project:lore:deploy', 'nope', 1), /Nothing is remembered as project:lore:deploy nope/);
    assert.equal(changes, 3);
    off();
    assert.deepEqual((await s.memory.audit({ namespace: 'project:lore:deploy', key: 'staging-db' })).map((a) => [a.operation, a.version, a.actor, a.sessionId]), [
      ['restore', 3, 'bob', undefined], ['update', 2, 'lm:lore_remember', undefined], ['create', 1, 'alice', 'chat-1'],
    ]);
  });

  withStorage('forget is a soft delete: recall and list miss it, history keeps it, restore or remember bring it back; purge really deletes', async (s) => {
    await s.memory.remember('user:prefs', 'editor', 'vim keys');
    assert.equal(await s.memory.forget('user:prefs', 'editor', { by: 'alice' }), true);
    assert.equal(await s.memory.forget('user:prefs', 'editor'), false, 'nothing live to forget');
    assert.equal(await s.memory.recall('user:prefs', 'editor'), undefined);
    assert.deepEqual(await s.memory.list('user'), []);
    assert.deepEqual((await s.memory.list('user', { includeDeleted: true })).map((e) => [e.key, e.deleted]), [['editor', true]]);
    assert.deepEqual((await s.memory.history('user:prefs', 'editor')).map((e) => [e.version, e.deleted]), [[1, true]]);
    assert.deepEqual(await s.memory.search('vim'), [], 'a forgotten memory is not found');
    assert.equal((await s.memory.restore('user:prefs', 'editor', 1)).version, 2);
    assert.equal((await s.memory.recall('user:prefs', 'editor'))?.value, 'vim keys');
    assert.equal((await s.memory.search('vim')).length, 1);
    assert.equal(await s.memory.purge('user:prefs', 'editor', { by: 'alice' }), 2);
    assert.deepEqual(await s.memory.history('user:prefs', 'editor'), []);
    assert.deepEqual(await s.memory.search('vim'), []);
    assert.deepEqual((await s.memory.audit({ namespace: 'user:prefs', key: 'editor' })).map((a) => a.operation), ['purge', 'restore', 'delete', 'create']);
    assert.equal((await s.memory.remember('user:prefs', 'editor', 'emacs')).version, 1, 'after a purge a key starts again');
    const report = await s.validate();
    assert.ok(report.ok, JSON.stringify(report.problems));
  });

  withStorage('namespaces are hierarchical: a prefix lists itself and what is below it, never a sibling that only starts alike', async (s) => {
    await s.memory.remember('project:lore', 'name', 'Lore');
    await s.memory.remember('project:lore:deploy', 'staging-db', 'nightly');
    await s.memory.remember('project:lore:deploy', 'migrations', 'always --dry-run first', { type: 'procedural' });
    await s.memory.remember('project:lorex', 'other', 'not lore');
    await s.memory.remember('user:prefs', 'theme', 'dark');
    const keys = async (p?: string, type?: 'procedural') => (await s.memory.list(p, type && { type })).map((e) => `${e.namespace} ${e.key}`);
    assert.deepEqual(await keys('project:lore'), ['project:lore name', 'project:lore:deploy migrations', 'project:lore:deploy staging-db']);
    assert.deepEqual(await keys('project:lore:'), await keys('project:lore'), 'a trailing colon means the same');
    assert.deepEqual(await keys('project'), ['project:lore name', 'project:lore:deploy migrations', 'project:lore:deploy staging-db', 'project:lorex other']);
    assert.deepEqual(await keys(), [...(await keys('project')), 'user:prefs theme']);
    assert.deepEqual(await keys('', 'procedural'), ['project:lore:deploy migrations']);
    assert.deepEqual(await s.memory.namespaces('project:lore'), [{ namespace: 'project:lore', entries: 1 }, { namespace: 'project:lore:deploy', entries: 2 }]);
    assert.equal(await s.memory.count(), 5);
    await assert.rejects(s.memory.list('Project Lore'), /is not a namespace prefix/);
  });

  withStorage('bad input is refused with the reason, and nothing is written', async (s) => {
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => s.memory.remember('lore', 'k', 'v'), /"lore" is not a memory namespace: write a scope \(starting with a letter\) and a name separated by ':'/],
      [() => s.memory.remember('10:30', 'standup', 'v'), /"10:30" is not a memory namespace/],
      [() => s.memory.remember('Project:Lore', 'k', 'v'), /is not a memory namespace/],
      [() => s.memory.remember("project:x'; DROP TABLE memory_entries; --", 'k', 'v'), /is not a memory namespace/],
      [() => s.memory.remember('project:x', '  ', 'v'), /needs a key/],
      [() => s.memory.remember('project:x', 'a\nb', 'v'), /control characters/],
      [() => s.memory.remember('project:x', 'k', undefined), /needs a value/],
      [() => s.memory.remember('project:x', 'k', () => 1), /must be JSON/],
      [() => s.memory.remember('project:x', 'k', 'x'.repeat(70_000)), /at most 64 KB of JSON/],
      [() => s.memory.remember('project:x', 'k', 'v', { type: 'opinion' as never }), /semantic, episodic or procedural, not "opinion"/],
      [() => s.memory.remember('project:x', 'k', 'v', { ttlMs: 1000 }), /Only episodic memories expire/],
      [() => s.memory.remember('project:x', 'k', 'v', { metadata: [] as never }), /metadata must be a JSON object/],
    ];
    for (const [write, message] of cases) await assert.rejects(write(), message);
    assert.equal(await s.memory.count(), 0);
    assert.deepEqual(await s.memory.audit(), []);
    // Values of any JSON kind come back as they went in; text that looks like SQL or FTS syntax is only text.
    for (const v of [0, false, null, ['a', 1], { nested: { deep: [true] } }, 'NOT "a" OR b* -- ;']) {
      await s.memory.remember('project:x', 'k', v);
      assert.deepEqual((await s.memory.recall('project:x', 'k'))?.value, v);
    }
    for (const hostile of ['"', 'NOT', 'a OR', '***', "'; --", 'b*', 'NEAR(a b)']) assert.ok(Array.isArray(await s.memory.search(hostile)), hostile);
  });

  withStorage('episodic entries with a TTL expire: gone from recall, list and search, kept in history, audited', async (s) => {
    const t0 = Date.now();
    await s.memory.remember('session:chat-1', 'working-on', 'the flaky deploy test', { type: 'episodic', ttlMs: HOUR });
    await s.memory.remember('session:chat-1', 'keep', 'no ttl', { type: 'episodic' });
    const e = await s.memory.recall('session:chat-1', 'working-on');
    assert.ok(e?.expiresAt && e.expiresAt >= t0 + HOUR);
    assert.equal(await s.memory.expire(t0), 0, 'not due yet');
    assert.equal(await s.memory.expire(t0 + HOUR + 60_000), 1);
    assert.equal(await s.memory.recall('session:chat-1', 'working-on'), undefined);
    assert.deepEqual((await s.memory.list('session')).map((x) => x.key), ['keep']);
    assert.deepEqual(await s.memory.search('flaky deploy'), []);
    assert.equal((await s.memory.history('session:chat-1', 'working-on'))[0].deleted, true);
    assert.equal((await s.memory.audit({ namespace: 'session:chat-1', key: 'working-on' }))[0].operation, 'expire');
  });

  withStorage('a rewrite that gives no type keeps the key\'s type, metadata and TTL; forgetting an expired entry says nothing live was there', async (s) => {
    await s.memory.remember('project:x', 'how', 'run migrations with --dry-run first', { type: 'procedural', metadata: { source: 'adr-7' } });
    const again = await s.memory.remember('project:x', 'how', 'run migrations with --dry-run, then for real');
    assert.deepEqual([again.type, again.metadata], ['procedural', { source: 'adr-7' }]);
    const t0 = Date.now();
    const e1 = await s.memory.remember('session:x', 'focus', 'the flaky test', { type: 'episodic', ttlMs: HOUR });
    const e2 = await s.memory.remember('session:x', 'focus', 'still the flaky test');
    assert.equal(e2.type, 'episodic');
    assert.ok(e2.expiresAt! - e2.updatedAt === e1.expiresAt! - e1.updatedAt, 'the same TTL again, from now');
    assert.equal((await s.memory.remember('session:x', 'focus', 'now a fact', { type: 'semantic' })).expiresAt, undefined, 'a type given says what it is now');
    await s.memory.remember('session:x', 'gone', 'soon', { type: 'episodic', ttlMs: 1 });
    await s.memory.expire(t0 + HOUR * 2);
    assert.equal(await s.memory.forget('session:x', 'gone'), false, 'expired: nothing live to forget');
  });

  withStorage('a long question finds an entry holding its words in other forms (stemmed, accents folded)', async (s) => {
    await s.memory.remember('project:x', 'infra', 'database cluster server deployment migration backup restore');
    await s.memory.remember('project:x', 'cv', 'café résumé naïve');
    assert.deepEqual((await s.memory.search('databases clusters servers deployments migrations backups restores')).map((h) => h.entry.key), ['infra']);
    assert.deepEqual((await s.memory.search('cafe resume naive')).map((h) => h.entry.key), ['cv']);
  });

  withStorage('text search: every live entry by its words, best first, with a snippet; a question finds the fact it asks about', async (s) => {
    await s.memory.remember('project:lore:deploy', 'staging-db', 'The staging database is reset nightly at 02:00 UTC');
    await s.memory.remember('project:lore:deploy', 'migrations', { rule: 'always run migrations with --dry-run first' }, { type: 'procedural' });
    await s.memory.remember('user:prefs', 'editor', 'the user prefers short answers');
    const found = await s.memory.search('how do I reset the staging database?');
    assert.deepEqual(found.map((h) => h.entry.key), ['staging-db']);
    assert.equal(found[0].source, 'memory');
    const [a, b] = found[0].highlights[0];
    assert.match(found[0].snippet.slice(a, b), /staging|database|reset/i);
    assert.deepEqual((await s.memory.search('dry-run migrations')).map((h) => h.entry.key), ['migrations'], 'words of a JSON value');
    assert.deepEqual((await s.memory.search('deploy')).map((h) => h.entry.key).sort(), ['migrations', 'staging-db'], 'namespace words count');
    assert.deepEqual((await s.memory.search('stag', { prefixLast: true })).map((h) => h.entry.key), ['staging-db'], 'as you type');
    assert.deepEqual((await s.memory.search('deploy', { prefix: 'user' })), []);
    assert.deepEqual((await s.memory.search('deploy', { type: 'procedural' })).map((h) => h.entry.key), ['migrations']);
    await s.memory.remember('project:lore:deploy', 'staging-db', 'staging is now reset weekly');
    const again = await s.memory.search('staging reset');
    assert.deepEqual(again.map((h) => [h.entry.key, h.entry.version]), [['staging-db', 2]], 'only the latest version is found');
  });

  withStorage('vectors per model: missing ones listed, kept, searched by cosine; a new version or a forget leaves them out', async (s) => {
    const a = await s.memory.remember('project:x', 'a', 'alpha');
    await s.memory.remember('project:x', 'b', 'beta');
    const missing = await s.memory.missingVectors('m1');
    assert.deepEqual(missing.map((m) => m.text), ['x b beta', 'x a alpha'], 'newest first, the text search reads');
    const [ib, ia] = missing.map((m) => m.id);
    await s.memory.putVectors('m1', [{ id: ia, vector: Float32Array.from([1, 0]) }, { id: ib, vector: Float32Array.from([0, 2]) }]);
    assert.deepEqual(await s.memory.missingVectors('m1'), []);
    assert.equal((await s.memory.missingVectors('m2')).length, 2, 'another model, another space');
    const near = await s.memory.nearest('m1', Float32Array.from([0.6, 0.8]));
    assert.deepEqual(near.map((n) => [n.entry.key, Math.round(n.similarity * 100) / 100]), [['b', 0.8], ['a', 0.6]], 'cosine: stored vectors are normalised');
    assert.deepEqual((await s.memory.nearest('m1', Float32Array.from([0.6, 0.8]), { minSimilarity: 0.7 })).map((n) => n.entry.key), ['b']);
    await s.memory.remember('project:x', 'a', 'alpha two');
    assert.deepEqual((await s.memory.missingVectors('m1')).map((m) => m.text), ['x a alpha two'], 'the new version needs its own');
    await s.memory.putVectors('m1', [{ id: ia, vector: Float32Array.from([1, 0]) }]);
    assert.equal((await s.memory.missingVectors('m1')).length, 1, 'a vector for a replaced version is not kept');
    await s.memory.forget('project:x', 'b');
    assert.deepEqual((await s.memory.nearest('m1', Float32Array.from([0, 1]))).map((n) => n.entry.key), [], 'a forgotten memory is not found');
    assert.equal(a.version, 1);
  });

  withStorage('memory is user data: dropping the index keeps it, a read-only storage reads it and refuses writes', async (s, dir) => {
    await s.memory.remember('project:lore', 'kept', 'through a rebuild');
    await s.documents.dropAll();
    assert.equal((await s.memory.recall('project:lore', 'kept'))?.value, 'through a rebuild');
    await s.close();
    const ro = await target.open(dir, { readonly: true });
    try {
      assert.equal((await ro.memory.recall('project:lore', 'kept'))?.value, 'through a rebuild');
      await assert.rejects(ro.memory.remember('project:lore', 'x', 1), /read-only/);
      await assert.rejects(ro.memory.forget('project:lore', 'kept'), /read-only/);
    } finally {
      await ro.close();
    }
    const again = await target.open(dir);
    await again.close();
  });
}
