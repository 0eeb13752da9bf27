import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Database from 'better-sqlite3';
import { parseMarkdown } from '../../src/core/markdown/parse';
import type { IndexWrite } from '../../src/core/storage/documents';
import { EmbedDocs } from '../../src/core/storage/sqlite/embedQueue';
import { VectorStore } from '../../src/core/storage/sqlite/vectors';
import { VectorWrites } from '../../src/core/storage/sqlite/vecWrites';
import { OffThreadWriter } from '../../src/core/storage/sqlite/writer';
import type { ChunkVector } from '../../src/core/storage/vectors';
import { type TempStorage, withStorage } from './tempStorage';

// The embedding queue's writes (vectors, their documents' statuses, the cache) run on the writer
// thread: a session of 100,000 vectors no longer holds the editor's thread at every commit.

const DIMS = 768;

function pending(n: number): IndexWrite[] {
  return Array.from({ length: n }, (_, i) => {
    const text = `# Note ${i}\n\nFirst part of note ${i}.\n\n## Second\n\nSecond part of note ${i}.\n`;
    return { kind: 'document', path: `n/${i}.md`, stamp: { hash: `h${i}`, size: text.length, mtime: 1 }, doc: parseMarkdown(text, `n/${i}.md`), status: 'pending' };
  });
}

function vector(seed: number): Float32Array {
  const v = new Float32Array(DIMS);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < DIMS; i++) v[i] = ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  return v;
}

/** Every waiting document's chunks with a vector each, and the documents. */
async function step(storage: TempStorage, limit: number) {
  const docs = await storage.embeddingQueue.todo('m', limit, new Set());
  const chunks = await storage.embeddingQueue.chunks(docs.map((d) => d.id));
  const rows: ChunkVector[] = chunks.map((c) => ({ chunkId: c.id, vector: vector(c.id), contentHash: c.hash }));
  return { docs, rows };
}

test('a step\'s vectors are committed off the calling thread, and the next search finds them through the prefilter it had loaded', () =>
  withStorage('lore-vecwriter-', async (storage) => {
    await storage.documents.apply(pending(600));
    await storage.vectors.ensureSpace('m', DIMS);
    const first = await step(storage, 1);
    await storage.embeddingQueue.commit('m', first.rows, first.docs);
    assert.equal((await storage.vectors.nearest('m', first.rows[0].vector, 1))[0].chunkId, first.rows[0].chunkId, 'the prefilter is loaded');

    const rest = await step(storage, 1000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await storage.embeddingQueue.commit('m', rest.rows, rest.docs); // 1,198 vectors of 768 dimensions in one commit
    clearInterval(timer);
    // Committed on this thread, the step would be one synchronous piece of work: no tick between.
    assert.ok(ticks > 0, 'the calling thread ran its timers while the vectors were written');
    assert.equal(await storage.embeddingQueue.remaining('m'), 0, 'every document is marked with its vectors');
    assert.equal(await storage.vectors.count('m'), 1200);
    for (const r of [rest.rows[0], rest.rows[700], rest.rows.at(-1)!]) {
      assert.equal((await storage.vectors.nearest('m', r.vector, 1))[0].chunkId, r.chunkId);
    }
  }));

test('a writer process that cannot write vectors is reported once, and they are written on the calling thread instead', () =>
  withStorage('lore-vecwriter-', async (storage, file) => {
    const db = (storage as unknown as { db: Database.Database }).db;
    await storage.documents.apply(pending(40));
    await storage.vectors.ensureSpace('m', DIMS);
    const warnings: string[] = [];
    // A writer process not asked to load sqlite-vec: its first vector write is refused.
    const store = new VectorStore(db);
    const writer = new OffThreadWriter(file, 3_000, false);
    const writes = new VectorWrites(db, store, new EmbedDocs(db), writer, (m) => warnings.push(m));
    try {
      const a = await step(storage, 20);
      await writes.commit({ model: 'm', rows: a.rows, docs: a.docs });
      await writes.cache({ model: 'm', entries: a.rows.map((r) => ({ contentHash: r.contentHash, vector: r.vector })) });
      const b = await step(storage, 20);
      await writes.commit({ model: 'm', rows: b.rows, docs: b.docs });
      assert.equal(await storage.embeddingQueue.remaining('m'), 0);
      assert.equal(store.count('m'), 80);
      assert.equal(store.cacheGet('m', [a.rows[0].contentHash]).size, 1);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /could not load sqlite-vec.*; vectors are written on the main thread from now on/);
    } finally {
      await writer.close();
    }
  }));
