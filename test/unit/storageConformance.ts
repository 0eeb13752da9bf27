/**
 * What every storage backend must do, checked through the storage interfaces only (no SQL, no
 * backend types): the SQLite backend runs it in storageConformance.test.ts, and a server backend
 * calls `storageConformance` with its own `open`.
 */
import assert from 'node:assert/strict';
import type { Storage } from '../../src/core/storage/storage';
import { docWrite, storageTest } from './conformanceHelpers';
import { documentConformance } from './documentConformance';
import { keywordConformance } from './keywordConformance';

export interface ConformanceTarget {
  /** A backend name for the test titles. */
  name: string;
  /** Opens the storage kept under `dir` (the same `dir` reopens the same data). */
  open(dir: string, opts?: { readonly?: boolean }): Promise<Storage>;
}

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

export { storageTest } from './conformanceHelpers';

export function storageConformance(target: ConformanceTarget): void {
  const withStorage = storageTest(target, 'storage');
  documentConformance(target);
  keywordConformance(target);

  withStorage('says its schema version', async (s) => {
    assert.ok((await s.info()).schemaVersion > 0);
  });

  withStorage('the embedding queue hands out waiting documents once and marks them only while their text is unchanged', async (s) => {
    if (!s.vectors.available) return; // keyword-only backends skip vectors (their status says why)
    await s.documents.apply([docWrite('a.md', '# A\n\nalpha\n', 'pending'), docWrite('b.md', '# B\n\nbeta\n', 'pending'), docWrite('c.md', '# C\n\ngamma\n')]);
    const model = 'test:model';
    assert.equal(await s.embeddingQueue.remaining(model), 3, 'pending, and synced by another model');
    const [first] = await s.embeddingQueue.todo(model, 1, new Set());
    const rest = await s.embeddingQueue.todo(model, 10, new Set([first.id]));
    assert.equal(rest.length, 2);
    assert.ok(!rest.some((d) => d.id === first.id), 'a claimed document is not handed out again');
    const chunks = await s.embeddingQueue.chunks([first.id]);
    assert.equal(chunks.length, 1);
    const vectors = chunks.map((c) => ({ chunkId: c.id, vector: unit([1, 0, 0, 0]), contentHash: c.hash }));
    await s.embeddingQueue.commit(model, vectors, [{ id: first.id, hash: first.hash }]);
    assert.equal(await s.embeddingQueue.remaining(model), 2);
    // A document whose text changed since it was handed out is not marked.
    await s.embeddingQueue.commit(model, [], [{ id: rest[0].id, hash: 'an older hash' }]);
    assert.equal(await s.embeddingQueue.remaining(model), 2);
    await s.embeddingQueue.markFailed({ id: rest[0].id, hash: rest[0].hash }, 'refused by the server');
    assert.deepEqual((await s.documents.files('failed', 10)).map((f) => f.error), ['refused by the server']);
    assert.deepEqual(await s.embeddingQueue.coverage(model), { done: 1, total: 2 });
    assert.equal(await s.embeddingQueue.settlePendingWithoutVectors(), 0, 'only pending documents settle (none left but synced ones)');
  });

  withStorage('vector spaces store, find and switch; the cache answers by content hash', async (s) => {
    if (!s.vectors.available) return;
    await s.documents.apply([
      docWrite('north.md', '# North\n\nnorth text\n', 'pending'),
      docWrite('east.md', '# East\n\neast text\n', 'pending'),
      docWrite('notes/west.md', '# West\n\nwest text\n', 'pending'),
    ]);
    const model = 'test:a';
    await s.vectors.ensureSpace(model, 4);
    await assert.rejects(s.vectors.ensureSpace(model, 8), /dimensions/);
    const docs = await s.embeddingQueue.todo(model, 10, new Set());
    const chunks = await s.embeddingQueue.chunks(docs.map((d) => d.id));
    const dir: Record<string, number[]> = { 'north.md': [1, 0, 0, 0], 'east.md': [0, 1, 0, 0], 'notes/west.md': [-1, 0.2, 0, 0] };
    const files = await s.documents.indexedFiles();
    const byDoc = new Map(files.map((f) => [f.id, f.path]));
    assert.equal(docs.length, 3);
    await s.embeddingQueue.commit(model, chunks.map((c) => ({ chunkId: c.id, vector: unit(dir[byDoc.get(c.docId)!]), contentHash: c.hash })), docs);
    assert.equal(await s.vectors.count(model), 3);
    assert.deepEqual(await s.vectors.activeSpace(), { model, dims: 4 });
    const near = await s.vectors.nearest(model, unit([0.9, 0.1, 0, 0]), 2, {}, { minSimilarity: -1 });
    assert.deepEqual(near.map((r) => r.path), ['north.md', 'east.md']);
    assert.ok(near[0].score > near[1].score && near[0].score <= 1.0001);
    assert.deepEqual((await s.vectors.nearest(model, unit([1, 0, 0, 0]), 3, { pathGlob: 'notes/**' }, { minSimilarity: -1 })).map((r) => r.path), ['notes/west.md'], 'filters never starve the result');
    // A second space fills in the shadow, then serves; the first goes.
    await s.vectors.ensureSpace('test:b', 4);
    assert.equal((await s.vectors.activeSpace())?.model, model);
    await s.vectors.activate('test:b');
    await s.vectors.dropSpace(model);
    assert.deepEqual((await s.vectors.spaces()).map((x) => [x.model, x.active]), [['test:b', true]]);
    // The cache outlives the spaces: unchanged text is never embedded twice.
    await s.vectors.cache(model, [{ contentHash: 'h1', vector: unit([0, 0, 1, 0]) }]);
    const got = await s.vectors.cached(model, ['h1', 'h2']);
    assert.deepEqual([...got.keys()], ['h1']);
    assert.ok(Math.abs(got.get('h1')![2] - 1) < 1e-6);
    // Vectors of deleted chunks stop counting.
    await s.documents.apply([{ kind: 'delete', file: files.find((f) => f.path === 'north.md')! }]);
    await s.vectors.flushDeletes();
  });

  withStorage('session history: ordered events, change events, text search that takes any text', async (s) => {
    let changes = 0;
    const off = s.sessions.onDidChange(() => changes++);
    const a = await s.sessions.create({ title: 'Deploy research', metadata: { host: 'test' } });
    await s.sessions.record(a.id, 'search', { query: 'staging reset' });
    await s.sessions.record(a.id, 'open', { path: 'ops/deploy.md', line: 3 });
    await s.sessions.ensure('chat-1', { title: 'A chat' });
    await s.sessions.record('chat-1', 'chat.request', { prompt: 'why nightly?' });
    assert.ok(changes >= 4);
    off();
    assert.deepEqual((await s.sessions.events(a.id)).map((e) => [e.seq, e.type]), [[1, 'search'], [2, 'open']]);
    assert.deepEqual((await s.sessions.list()).map((x) => x.id), ['chat-1', a.id], 'most recently updated first');
    assert.equal((await s.sessions.get(a.id))?.eventCount, 2);
    assert.deepEqual((await s.sessions.findEvents('stag')).map((e) => e.sessionTitle), ['Deploy research']);
    for (const hostile of ['"', 'NOT', 'a OR', '***', "'; --"]) assert.ok(Array.isArray(await s.sessions.findEvents(hostile)), hostile);
    await assert.rejects(s.sessions.rename('nope', 'x'), /No session/);
    await s.sessions.archive(a.id);
    assert.deepEqual((await s.sessions.list()).map((x) => x.id), ['chat-1']);
    assert.equal(await s.sessions.prune({ maxSessions: 1 }), 1);
    assert.equal(await s.sessions.clear(), 1);
  });

  withStorage('user data survives dropping the index and reopening; a read-only storage reads and refuses writes', async (s, dir) => {
    await s.documents.apply([docWrite('a.md', '# A\n\nalpha\n')]);
    const kept = await s.sessions.create({ title: 'kept' });
    await s.sessions.record(kept.id, 'search', { query: 'alpha' });
    await s.documents.dropAll();
    assert.equal(await s.documents.hasDocuments(), false);
    assert.equal((await s.sessions.get(kept.id))?.eventCount, 1, 'history is not part of the index');
    assert.ok((await s.validate()).ok);
    await s.documents.apply([docWrite('b.md', '# B\n\nbeta\n')]);
    await s.close();
    const ro = await target.open(dir, { readonly: true });
    try {
      assert.equal(ro.readonly, true);
      assert.deepEqual((await ro.documents.indexedFiles()).map((f) => f.path), ['b.md']);
      assert.equal((await ro.sessions.list())[0].title, 'kept');
      await assert.rejects(ro.sessions.record(kept.id, 'search', { query: 'x' }), /read-only/);
    } finally {
      await ro.close();
    }
  });
}
