/**
 * What every backend's document index must do, through DocumentStore only: settings, documents
 * with their chunks read back by line range, all-or-nothing batches, failures, touches, stale
 * marks, renames and deletes. storageConformance runs it for whole storages; a backend whose other
 * parts are still to come runs it on its document store alone.
 */
import assert from 'node:assert/strict';
import type { DocumentStore } from '../../src/core/storage/documents';
import { docWrite, rowOf, stamp, storageTest } from './conformanceHelpers';

export interface DocumentTarget {
  name: string;
  /** The document store kept under `dir` (the same `dir` reopens the same data). */
  open(dir: string): Promise<{ documents: DocumentStore; close(): Promise<void> }>;
}

export function documentConformance(target: DocumentTarget): void {
  const withStorage = storageTest(target, 'documents');

  withStorage('records settings about itself and keeps them across reopening', async (s, dir) => {
    assert.equal(await s.documents.meta('root'), undefined);
    await s.documents.setMeta('root', '/work/docs');
    await s.documents.setMeta('root', '/work/notes');
    assert.equal(await s.documents.meta('root'), '/work/notes');
    await s.close();
    const again = await target.open(dir);
    try {
      assert.equal(await again.documents.meta('root'), '/work/notes');
    } finally {
      await again.close();
    }
  });

  withStorage('a written document is listed, counted and read back by line range', async (s) => {
    assert.equal(await s.documents.hasDocuments(), false);
    const text = '# Deploy\n\nRun the migrations first.\n\n## Rollback\n\nRestore the snapshot.\n';
    await s.documents.apply([docWrite('ops/deploy.md', text, 'pending'), docWrite('a.md', '# A\n\nalpha\n')], 5_000);
    assert.equal(await s.documents.hasDocuments(), true);
    const counts = await s.documents.counts();
    assert.deepEqual([counts.byStatus.pending, counts.byStatus.synced, counts.chunks, counts.lastSyncedAt], [1, 1, 3, 5_000]);
    assert.deepEqual((await s.documents.files(undefined, 10)).map((f) => [f.path, f.status, f.title]), [['a.md', 'synced', 'A'], ['ops/deploy.md', 'pending', 'Deploy']]);
    assert.deepEqual((await s.documents.files('pending', 10)).map((f) => f.path), ['ops/deploy.md']);
    const row = await rowOf(s, 'ops/deploy.md');
    assert.deepEqual([row.hash, row.size, row.mtime, row.status], [stamp(text).hash, stamp(text).size, 1_000, 'pending']);
    const whole = await s.documents.read('ops/deploy.md', 1, Number.MAX_SAFE_INTEGER);
    assert.equal(whole?.lineCount, 7);
    assert.deepEqual(whole?.chunks.map((c) => [c.startLine, c.endLine]), [[1, 3], [5, 7]]);
    const tail = await s.documents.read('ops/deploy.md', 6, 7);
    assert.deepEqual(tail?.chunks.map((c) => c.text), ['## Rollback\n\nRestore the snapshot.']);
    assert.deepEqual((await s.documents.read('ops/deploy.md', 99, 120))?.chunks.map((c) => c.startLine), [5], 'past the end: the last line');
    assert.equal(await s.documents.read('missing.md', 1, 10), undefined);
  });

  withStorage('a batch of writes is all or nothing', async (s) => {
    const bad = docWrite('bad.md', '# Bad\n\ntext\n');
    bad.doc.chunks[0].text = null as unknown as string; // refused by the store (chunk text is required)
    await assert.rejects(s.documents.apply([docWrite('good.md', '# Good\n\ntext\n'), bad]));
    assert.deepEqual(await s.documents.indexedFiles(), []);
    assert.equal((await s.documents.counts()).chunks, 0);
  });

  withStorage('failures, touches, stale marks, renames and deletes change only what they say', async (s) => {
    const text = '# Notes\n\nkept text\n';
    await s.documents.apply([docWrite('notes.md', text), docWrite('other.md', '# Other\n\nother text\n')]);
    // A failure keeps the row with its reason and drops its chunks.
    await s.documents.apply([{ kind: 'failure', path: 'other.md', stamp: stamp('x'), reason: 'too big' }]);
    const failed = await s.documents.files('failed', 10);
    assert.deepEqual(failed.map((f) => [f.path, f.error, f.chunkCount]), [['other.md', 'too big', 0]]);
    assert.equal(await s.documents.read('other.md', 1, 10), undefined, 'a failed document is not readable');
    // Stale, then touched: back to the status given, chunks untouched.
    assert.equal(await s.documents.markStale(['notes.md', 'nowhere.md']), 1);
    assert.equal((await rowOf(s, 'notes.md')).status, 'stale');
    await s.documents.apply([{ kind: 'touch', file: await rowOf(s, 'notes.md'), stamp: stamp(text, 2_000), status: 'synced' }]);
    const touched = await rowOf(s, 'notes.md');
    assert.deepEqual([touched.status, touched.mtime], ['synced', 2_000]);
    // A rename keeps the document (same id, same chunks); a title taken from the path follows it.
    const before = await rowOf(s, 'notes.md');
    await s.documents.markStale(['notes.md']);
    await s.documents.apply([{ kind: 'rename', file: await rowOf(s, 'notes.md'), path: 'archive/notes.md', stamp: stamp(text, 3_000), status: 'synced' }]);
    const moved = await rowOf(s, 'archive/notes.md');
    assert.equal(moved.id, before.id);
    assert.equal(moved.status, 'synced', 'a rename the watcher saw as a removal is not left stale');
    assert.equal((await s.documents.read('archive/notes.md', 1, 10))?.chunks[0].text, text.trimEnd());
    assert.equal((await s.documents.files(undefined, 10)).find((f) => f.path === 'archive/notes.md')?.title, 'Notes', 'a heading title stays');
    // Deletes take the document and its chunks.
    await s.documents.apply([{ kind: 'delete', file: moved }, { kind: 'delete', file: await rowOf(s, 'other.md') }]);
    assert.deepEqual([await s.documents.hasDocuments(), (await s.documents.counts()).chunks], [false, 0]);
  });

}
