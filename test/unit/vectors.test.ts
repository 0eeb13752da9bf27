import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Database } from 'better-sqlite3';
import { openDatabase } from '../../src/core/db/open';
import { LoreError } from '../../src/core/errors';
import { VectorStore } from '../../src/core/search/vectors';
import { BitIndex } from '../../src/core/search/vecBits';

const dirs: string[] = [];
process.on('exit', () => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmpDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-vec-'));
  dirs.push(dir);
  return path.join(dir, 'index.db');
}

/** A database with `docs` documents of `perDoc` chunks each; returns the chunk ids per document. */
function seed(db: Database, docs: number, perDoc: number, tag = 'd'): number[][] {
  const insDoc = db.prepare(`INSERT INTO document_index (file_path, title, document_type, content_hash, size, mtime, chunk_count, created_at, updated_at)
    VALUES (?, ?, ?, 'h', 1, 1, ?, 0, 0) RETURNING id`);
  const insChunk = db.prepare(`INSERT INTO chunks (document_id, ordinal, heading_path, start_line, end_line, text, content_hash)
    VALUES (?, ?, '', 1, 1, ?, ?) RETURNING id`);
  return db.transaction(() => {
    const out: number[][] = [];
    for (let d = 0; d < docs; d++) {
      const { id } = insDoc.get(`${tag}${d}.md`, `Doc ${d}`, d % 2 ? 'adr' : 'note', perDoc) as { id: number };
      const ids: number[] = [];
      for (let c = 0; c < perDoc; c++) ids.push((insChunk.get(id, c, `text ${tag} ${d} ${c}`, `hash-${tag}-${d}-${c}`) as { id: number }).id);
      out.push(ids);
    }
    return out;
  })();
}

/** Deterministic pseudo-random unit-ish vectors around a few centres (so neighbours are meaningful). */
function vectors(n: number, dims: number, seed = 7): Float32Array[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const centres = Array.from({ length: 5 }, () => Float32Array.from({ length: dims }, rnd));
  return Array.from({ length: n }, (_, i) => Float32Array.from(centres[i % 5], (x) => x + 0.6 * rnd()));
}

function exactOrder(query: Float32Array, rows: { chunkId: number; vector: Float32Array }[]): number[] {
  const cos = (a: Float32Array, b: Float32Array) => {
    let d = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] ** 2; nb += b[i] ** 2; }
    return d / Math.sqrt(na * nb);
  };
  return rows.map((r) => ({ id: r.chunkId, s: cos(query, r.vector) })).sort((a, b) => b.s - a.s).map((r) => r.id);
}

test('hand-made vectors: nearest first, distances are cosine distances, exact and prefiltered agree', () => {
  const { db } = openDatabase(tmpDb());
  const [ids] = seed(db, 1, 4);
  const store = new VectorStore(db);
  store.ensureSpace('m', 4);
  store.ensureSpace('m', 4); // idempotent
  store.upsert('m', [
    { chunkId: ids[0], vector: new Float32Array([1, 0, 0, 0]) },
    { chunkId: ids[1], vector: new Float32Array([0.9, 0.1, 0, 0]) },
    { chunkId: ids[2], vector: new Float32Array([0, 1, 0, 0]) },
    { chunkId: ids[3], vector: new Float32Array([-1, 0, 0, 0]) },
  ]);
  const hits = store.search('m', new Float32Array([2, 0, 0, 0]), 4);
  assert.deepEqual(hits.map((h) => h.chunkId), [ids[0], ids[1], ids[2], ids[3]]);
  assert.ok(Math.abs(hits[0].distance) < 1e-6);
  assert.ok(Math.abs(hits[2].distance - 1) < 1e-6);
  assert.ok(Math.abs(hits[3].distance - 2) < 1e-6);
  assert.deepEqual(store.search('m', new Float32Array([2, 0, 0, 0]), 4, { exact: true }).map((h) => h.chunkId), hits.map((h) => h.chunkId));
  assert.equal(store.count('m'), 4);
  db.close();
});

test('search order matches exact cosine on 300 clustered 64-dim vectors; bits match vec_quantize_binary', () => {
  const { db } = openDatabase(tmpDb());
  const ids = seed(db, 30, 10).flat();
  const store = new VectorStore(db);
  store.ensureSpace('m', 64);
  const vs = vectors(ids.length, 64);
  const rows = ids.map((chunkId, i) => ({ chunkId, vector: vs[i] }));
  assert.equal(store.upsert('m', rows), 300);
  const q = vectors(1, 64, 99)[0];
  const want = exactOrder(q, rows).slice(0, 10);
  assert.deepEqual(store.search('m', q, 10).map((h) => h.chunkId), want);
  assert.deepEqual(store.search('m', q, 10, { exact: true }).map((h) => h.chunkId), want);
  const b = db.prepare('SELECT vec_quantize_binary(?) AS b').get(Buffer.from(vs[3].buffer)) as { b: Buffer };
  assert.deepEqual(BitIndex.quantize(vs[3]), b.b);
  db.close();
});
