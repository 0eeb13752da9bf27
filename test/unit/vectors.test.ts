import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Database } from 'better-sqlite3';
import { openDatabase } from '../../src/core/storage/sqlite/open';
import { LoreError } from '../../src/core/errors';
import { VectorStore } from '../../src/core/storage/sqlite/vectors';
import { BitIndex } from '../../src/core/storage/sqlite/vecBits';
import { Turns } from '../../src/core/turns';

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

/** A fresh database whose `docs` x `perDoc` chunks each have a 64-dimension vector in space 'm'. */
function filledSpace(docs: number, perDoc: number) {
  const { db } = openDatabase(tmpDb());
  const ids = seed(db, docs, perDoc).flat();
  const store = new VectorStore(db);
  store.ensureSpace('m', 64);
  const vs = vectors(ids.length, 64);
  const rows = ids.map((chunkId, i) => ({ chunkId, vector: vs[i] }));
  const upserted = store.upsert('m', rows);
  const table = db.prepare('SELECT table_name FROM vector_spaces').pluck().get() as string;
  return { db, ids, store, vs, rows, upserted, table };
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

test('hand-made vectors: nearest first, distances are cosine distances, exact and prefiltered agree', async () => {
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
  const hits = await store.search('m', new Float32Array([2, 0, 0, 0]), 4);
  assert.deepEqual(hits.map((h) => h.chunkId), [ids[0], ids[1], ids[2], ids[3]]);
  assert.ok(Math.abs(hits[0].distance) < 1e-6);
  assert.ok(Math.abs(hits[2].distance - 1) < 1e-6);
  assert.ok(Math.abs(hits[3].distance - 2) < 1e-6);
  assert.deepEqual((await store.search('m', new Float32Array([2, 0, 0, 0]), 4, { exact: true })).map((h) => h.chunkId), hits.map((h) => h.chunkId));
  assert.equal(store.count('m'), 4);
  db.close();
});

test('search order matches exact cosine on 300 clustered 64-dim vectors; bits match vec_quantize_binary', async () => {
  const { db, store, vs, rows, upserted, table } = filledSpace(30, 10);
  assert.equal(upserted, 300);
  const q = vectors(1, 64, 99)[0];
  const want = exactOrder(q, rows).slice(0, 10);
  assert.deepEqual((await store.search('m', q, 10)).map((h) => h.chunkId), want);
  assert.deepEqual((await store.search('m', q, 10, { exact: true })).map((h) => h.chunkId), want);
  const b = db.prepare('SELECT vec_quantize_binary(?) AS b').get(Buffer.from(vs[3].buffer)) as { b: Buffer };
  assert.deepEqual(BitIndex.quantize(vs[3]), b.b);
  // The prefilter reads sqlite-vec 0.1.9's block layout directly; if that layout changed it would fall back to a slow scan.
  const fromShadow = BitIndex.loadFromShadow(db, table, 64, 0, 1);
  assert.equal(fromShadow?.size, 300);
  assert.deepEqual(fromShadow!.nearest(q, 50), BitIndex.loadByScan(db, table, 64, 0).nearest(q, 50));
  db.close();
});

test('the prefilter loaded in pieces (with turns for the thread) equals the one loaded at once; a search uses it', async () => {
  const { db, table } = filledSpace(90, 100); // 9,000 vectors: 141 shadow chunks, three pieces
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const inTurns = await BitIndex.loadFromShadowInTurns(db, table, 64, 0, 1, new Turns(0));
  clearInterval(timer);
  assert.ok(ticks > 0, 'the thread had turns while it loaded');
  const atOnce = BitIndex.loadFromShadow(db, table, 64, 0, 1)!;
  assert.equal(inTurns?.size, 9000);
  const q = vectors(1, 64, 99)[0];
  assert.deepEqual(inTurns!.nearest(q, 200), atOnce.nearest(q, 200));
  const prepared = new VectorStore(db);
  await prepared.prepare('m');
  assert.deepEqual(await prepared.search('m', q, 10), await new VectorStore(db).search('m', q, 10), 'the same answers as a prefilter loaded by the search itself');
  db.close();
});

test('filters never starve: the nearest among the allowed chunks come back, however far they are', async () => {
  const { db, ids, store, vs, rows } = filledSpace(40, 10);
  const q = vs[0];
  const order = exactOrder(q, rows);
  // The 7 farthest chunks only: a post-filter over the top candidates would find none of them.
  const far = new Set(order.slice(-7));
  const hits = await store.search('m', q, 5, { allowedChunkIds: far });
  assert.deepEqual(hits.map((h) => h.chunkId), order.filter((id) => far.has(id)).slice(0, 5));
  assert.equal((await store.search('m', q, 10, { allowedChunkIds: far })).length, 7);
  assert.deepEqual((await store.search('m', q, 5, { allowedChunkIds: far, exact: true })).map((h) => h.chunkId), hits.map((h) => h.chunkId));
  // A large filter (every other chunk) takes the other path through the prefilter.
  const half = new Set(ids.filter((_, i) => i % 2 === 1));
  assert.deepEqual((await store.search('m', q, 10, { allowedChunkIds: half })).map((h) => h.chunkId), order.filter((id) => half.has(id)).slice(0, 10));
  assert.deepEqual(await store.search('m', q, 10, { allowedChunkIds: new Set() }), []);
  assert.deepEqual(await store.search('m', q, 10, { allowedChunkIds: new Set([999999]) }), []);
  db.close();
});

test('vectors go with their chunks: document deleted, chunks rewritten, ids reused, read-only readers', async () => {
  const file = tmpDb();
  const { db } = openDatabase(file);
  const docs = seed(db, 3, 4);
  const store = new VectorStore(db);
  store.ensureSpace('m', 8);
  const vs = vectors(12, 8);
  store.upsert('m', docs.flat().map((chunkId, i) => ({ chunkId, vector: vs[i] })));
  assert.equal(store.count('m'), 12);
  // Delete the last document outside the store (as the indexer does): its chunks had the highest ids.
  db.prepare("DELETE FROM document_index WHERE file_path = 'd2.md'").run();
  // A read-only reader opened now must not see them, although nothing flushed yet.
  const reader = openDatabase(file, { readonly: true });
  const ro = new VectorStore(reader.db);
  assert.equal(ro.count('m'), 8);
  const roHits = (await ro.search('m', vs[9], 12)).map((h) => h.chunkId);
  assert.equal(roHits.length, 8);
  for (const id of docs[2]) assert.ok(!roHits.includes(id));
  // New chunks reuse the freed ids; they have no vectors until embedded.
  const [reused] = seed(db, 1, 4, 'new');
  assert.deepEqual(reused, docs[2]);
  assert.equal((await ro.search('m', vs[9], 12)).some((h) => reused.includes(h.chunkId)), false);
  assert.equal((await store.search('m', vs[9], 12)).some((h) => reused.includes(h.chunkId)), false);
  assert.equal(store.count('m'), 8);
  // Embedding one of the new chunks works, and a stale vector (text changed since) is refused.
  assert.equal(store.upsert('m', [{ chunkId: reused[0], vector: vs[0], contentHash: 'hash-new-0-0' }]), 1);
  assert.equal(store.upsert('m', [{ chunkId: reused[1], vector: vs[1], contentHash: 'some older text' }]), 0);
  assert.equal(store.upsert('m', [{ chunkId: 123456, vector: vs[1] }]), 0);
  assert.equal(store.count('m'), 9);
  // A chunk whose text is rewritten in place loses its vector too.
  db.prepare("UPDATE chunks SET text = 'changed', content_hash = 'x' WHERE id = ?").run(docs[0][0]);
  assert.equal((await store.search('m', vs[0], 12)).some((h) => h.chunkId === docs[0][0]), false);
  assert.equal(store.count('m'), 8);
  reader.db.close();
  db.close();
});

test('the embedding cache survives document deletion; prune forgets what no chunk uses', async () => {
  const { db } = openDatabase(tmpDb());
  seed(db, 2, 2);
  const store = new VectorStore(db);
  const v = vectors(3, 8);
  store.cachePut('m', [{ contentHash: 'hash-d-0-0', vector: v[0] }, { contentHash: 'gone', vector: v[1] }]);
  store.cachePut('other', [{ contentHash: 'hash-d-0-0', vector: v[2] }]);
  db.prepare('DELETE FROM document_index').run();
  const got = store.cacheGet('m', ['hash-d-0-0', 'gone', 'never']);
  assert.deepEqual([...got.keys()].sort(), ['gone', 'hash-d-0-0']);
  const n = Math.hypot(...v[0]);
  assert.ok(Math.abs(got.get('hash-d-0-0')![3] - v[0][3] / n) < 1e-6); // stored normalised
  assert.equal(store.cacheGet('other', ['hash-d-0-0']).size, 1);
  // Once a space says the model has 8 dims, cached vectors of other lengths are not handed out.
  store.cachePut('m', [{ contentHash: 'short', vector: new Float32Array([1, 2, 3]) }]);
  store.ensureSpace('m', 8);
  assert.equal(store.cacheGet('m', ['short']).size, 0);
  seed(db, 1, 1); // brings back one chunk with text hash-d-0-0
  assert.equal(store.pruneCache('m'), 2);
  assert.deepEqual([...store.cacheGet('m', ['hash-d-0-0', 'gone']).keys()], ['hash-d-0-0']);
  db.close();
});

test('two spaces (a model switch) coexist; activate switches; dropSpace frees the storage', async () => {
  const file = tmpDb();
  const { db } = openDatabase(file);
  const ids = seed(db, 10, 10).flat();
  const store = new VectorStore(db);
  store.ensureSpace('old', 16);
  store.ensureSpace('new', 32);
  store.upsert('old', ids.map((chunkId, i) => ({ chunkId, vector: vectors(100, 16)[i] })));
  store.upsert('new', ids.slice(0, 50).map((chunkId, i) => ({ chunkId, vector: vectors(100, 32)[i] })));
  assert.deepEqual(store.spaces().map((s) => [s.model, s.dims, s.count, s.active]), [['old', 16, 100, true], ['new', 32, 50, false]]);
  assert.deepEqual(store.activeSpace(), { model: 'old', dims: 16 });
  assert.equal((await store.search('new', vectors(1, 32, 5)[0], 100)).length, 50);
  assert.equal((await store.search('old', vectors(1, 16, 5)[0], 100)).length, 100);
  store.remove(undefined, ids.slice(0, 10));
  assert.deepEqual(store.spaces().map((s) => s.count), [90, 40]);
  store.activate('new');
  assert.deepEqual(store.activeSpace(), { model: 'new', dims: 32 });
  const tables = () => (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'vec_s1%'").get() as { n: number }).n;
  assert.ok(tables() > 0);
  store.dropSpace('old');
  assert.equal(tables(), 0);
  assert.deepEqual(store.spaces().map((s) => s.model), ['new']);
  assert.ok((db.pragma('freelist_count', { simple: true }) as number) > 0, 'the dropped space left free pages for reuse');
  await assert.rejects(async () => await store.search('old', vectors(1, 16)[0], 5), (e: unknown) => e instanceof LoreError && /No vectors are stored for model "old"/.test(e.message));
  db.close();
});

test('wrong dimensions are a clear error, never a silent mismatch', async () => {
  const { db } = openDatabase(tmpDb());
  const [ids] = seed(db, 1, 2);
  const store = new VectorStore(db);
  store.ensureSpace('nomic', 8);
  const bad = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof LoreError && e.code === 'BAD_INPUT' && re.test(e.message));
  bad(() => store.upsert('nomic', [{ chunkId: ids[0], vector: new Float32Array(4).fill(1) }]), /chunk \d+ has 4 dimensions, but model "nomic" stores 8/);
  await assert.rejects(store.search('nomic', new Float32Array(16).fill(1), 3), (e: unknown) => e instanceof LoreError && e.code === 'BAD_INPUT' && /the query has 16 dimensions, but model "nomic" stores 8/.test(e.message));
  bad(() => store.ensureSpace('nomic', 16), /now returns 16-dimensional vectors but its stored vectors have 8/);
  bad(() => store.upsert('nomic', [{ chunkId: ids[0], vector: new Float32Array(8) }]), /all zeros/);
  assert.equal(store.count('nomic'), 0);
  // Dimensions that are not a multiple of 8 have no sign-bit prefilter: sqlite-vec's exact scan serves them.
  store.ensureSpace('odd', 3);
  store.upsert('odd', [{ chunkId: ids[0], vector: new Float32Array([1, 0, 0]) }, { chunkId: ids[1], vector: new Float32Array([0, 1, 1]) }]);
  assert.deepEqual((await store.search('odd', new Float32Array([0, 1, 0.9]), 2)).map((h) => h.chunkId), [ids[1], ids[0]]);
  db.close();
});

test('without sqlite-vec: a clear error for vectors, while chunks still delete and the cache still works', async () => {
  const file = tmpDb();
  const first = openDatabase(file);
  const docs = seed(first.db, 2, 3);
  const store = new VectorStore(first.db);
  store.ensureSpace('m', 8);
  store.upsert('m', docs.flat().map((chunkId, i) => ({ chunkId, vector: vectors(6, 8)[i] })));
  first.db.close();

  const noVec = openDatabase(file, { loadVectorExtension: () => { throw new Error('no vec here'); } });
  assert.equal(noVec.vec.loaded, false);
  const plain = new VectorStore(noVec.db);
  assert.equal(plain.available, false);
  assert.throws(() => plain.ensureSpace('m2', 8), (e: unknown) => e instanceof LoreError && e.code === 'VECTORS_UNAVAILABLE' && /sqlite-vec is not loaded.*Keyword search still works/.test(e.message));
  await assert.rejects(async () => await plain.search('m', vectors(1, 8)[0], 3), (e: unknown) => e instanceof LoreError && e.code === 'VECTORS_UNAVAILABLE');
  // The indexer's writes must not trip over the vec0 tables it cannot open.
  noVec.db.prepare("DELETE FROM document_index WHERE file_path = 'd0.md'").run();
  assert.equal(plain.count('m'), 3);
  plain.cachePut('m', [{ contentHash: 'h', vector: vectors(1, 8)[0] }]);
  assert.equal(plain.cacheGet('m', ['h']).size, 1);
  noVec.db.close();

  const again = openDatabase(file);
  const back = new VectorStore(again.db);
  const hits = await back.search('m', vectors(1, 8)[0], 10);
  assert.deepEqual(hits.map((h) => h.chunkId).sort((a, b) => a - b), docs[1]);
  assert.equal(back.flushDeletes(), 0, 'the search already applied the deletions');
  assert.equal(back.storage('m').live, 3);
  again.db.close();
});

test('replacing a vector (delete then insert) keeps one row and uses the new vector', async () => {
  const { db } = openDatabase(tmpDb());
  const [ids] = seed(db, 1, 2);
  const store = new VectorStore(db);
  store.ensureSpace('m', 4);
  store.upsert('m', [{ chunkId: ids[0], vector: new Float32Array([1, 0, 0, 0]) }, { chunkId: ids[1], vector: new Float32Array([0, 1, 0, 0]) }]);
  const q = new Float32Array([0, 0, 1, 0]);
  await store.search('m', q, 2); // loads the in-memory prefilter, which upsert must keep in step
  store.upsert('m', [{ chunkId: ids[0], vector: new Float32Array([0, 0, 1, 0]) }]);
  assert.equal(store.count('m'), 2);
  const hits = await store.search('m', q, 2);
  assert.equal(hits[0].chunkId, ids[0]);
  assert.ok(Math.abs(hits[0].distance) < 1e-6);
  db.close();
});

test('re-embedding the same chunks again and again does not pile up dead rows', async () => {
  const { db } = openDatabase(tmpDb());
  const ids = seed(db, 20, 50).flat();
  const store = new VectorStore(db);
  store.ensureSpace('m', 32);
  for (let round = 0; round < 8; round++) {
    const vs = vectors(ids.length, 32, round + 1);
    // Half the chunks each round, so replaced rows leave holes scattered through the blocks.
    store.upsert('m', ids.filter((_, i) => (i + round) % 2 === 0).map((chunkId, i) => ({ chunkId, vector: vs[i] })));
  }
  const { live, allocated } = store.storage('m');
  assert.equal(live, 1000);
  assert.ok(allocated <= live * 1.2 + 128, `allocated ${allocated} slots for ${live} vectors`);
  db.close();
});

const fileBytes = (file: string) => [file, `${file}-wal`].reduce((s, f) => s + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);

test('ten full re-index cycles of the same corpus keep the database within 1.2x of a fresh build', async () => {
  const file = tmpDb();
  const { db } = openDatabase(file);
  const store = new VectorStore(db);
  store.ensureSpace('m', 768);
  const vs = vectors(1000, 768);
  const cycle = () => {
    db.prepare('DELETE FROM document_index').run(); // every document re-indexed: all chunks go
    const ids = seed(db, 50, 20).flat();
    const hashes = ids.map((_, i) => `hash-d-${Math.floor(i / 20)}-${i % 20}`);
    const cached = store.cacheGet('m', hashes);
    store.cachePut('m', hashes.filter((h) => !cached.has(h)).map((h) => ({ contentHash: h, vector: vs[hashes.indexOf(h)] })));
    const all = store.cacheGet('m', hashes);
    assert.equal(store.upsert('m', ids.map((chunkId, i) => ({ chunkId, vector: all.get(hashes[i])! }))), 1000);
    db.pragma('wal_checkpoint(TRUNCATE)');
  };
  cycle();
  const fresh = fileBytes(file);
  for (let c = 0; c < 10; c++) cycle();
  const after = fileBytes(file);
  assert.equal(store.count('m'), 1000);
  assert.ok(after <= 1.2 * fresh, `after 10 cycles ${after} bytes vs fresh ${fresh} (${(after / fresh).toFixed(2)}x)`);
  db.close();
});

test('partial churn (a third of the documents rewritten each cycle) is compacted back within 1.2x', async () => {
  const file = tmpDb();
  const { db } = openDatabase(file);
  const store = new VectorStore(db);
  store.ensureSpace('m', 256);
  const vs = vectors(3000, 256);
  let next = 0;
  const embed = (ids: number[]) => store.upsert('m', ids.map((chunkId) => ({ chunkId, vector: vs[next++ % vs.length] })));
  embed(seed(db, 150, 20, 'gen0-').flat());
  db.pragma('wal_checkpoint(TRUNCATE)');
  const fresh = fileBytes(file);
  let compacted = 0;
  let lastCompaction: unknown = null;
  for (let c = 1; c <= 10; c++) {
    const docs = db.prepare('SELECT id FROM document_index ORDER BY random() LIMIT 50').pluck().all() as number[];
    for (const d of docs) db.prepare('DELETE FROM document_index WHERE id = ?').run(d);
    embed(seed(db, 50, 20, `gen${c}-`).flat());
    store.flushDeletes();
    const at = db.prepare('SELECT compacted_at FROM vector_spaces').pluck().get();
    if (at !== lastCompaction) compacted++;
    lastCompaction = at;
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  assert.equal(store.count('m'), 3000);
  assert.ok(compacted > 0, 'holes left by scattered deletes were compacted');
  const { live, allocated } = store.storage('m');
  assert.ok(allocated <= live * 1.2 + 128, `allocated ${allocated} slots for ${live} vectors`);
  const after = fileBytes(file);
  assert.ok(after <= 1.2 * fresh, `after 10 cycles ${after} bytes vs fresh ${fresh} (${(after / fresh).toFixed(2)}x)`);
  // Search still works on the rebuilt table and its in-memory prefilter.
  assert.equal((await store.search('m', vs[5], 10)).length, 10);
  db.close();
});

test('through the real indexer: a deleted file and a rewritten file take their vectors with them', async () => {
  const { tempWorkspace } = await import('./helpers');
  const ws = tempWorkspace({
    'notes/a.md': '# Alpha\n\nFirst part.\n\n## More\n\nSecond part.\n',
    'notes/b.md': '# Beta\n\nOnly part.\n',
  });
  try {
    const lore = await ws.open();
    await lore.index();
    const { db } = openDatabase(ws.dbPath);
    const store = new VectorStore(db);
    store.ensureSpace('m', 8);
    const chunks = db.prepare('SELECT c.id, d.file_path AS path FROM chunks c JOIN document_index d ON d.id = c.document_id').all() as { id: number; path: string }[];
    const vs = vectors(chunks.length, 8);
    assert.equal(store.upsert('m', chunks.map((c, i) => ({ chunkId: c.id, vector: vs[i] }))), chunks.length);
    ws.remove('notes/a.md');
    ws.write('notes/b.md', '# Beta\n\nRewritten part.\n');
    await lore.index();
    assert.equal(store.count('m'), 0, 'no vector outlives its chunk');
    assert.deepEqual(await store.search('m', vs[0], 10), []);
    const now = db.prepare('SELECT id FROM chunks').pluck().all() as number[];
    assert.ok(now.length > 0);
    assert.equal(store.upsert('m', now.map((id, i) => ({ chunkId: id, vector: vs[i] }))), now.length);
    assert.equal((await store.search('m', vs[0], 10)).length, now.length);
    db.close();
  } finally {
    ws.cleanup();
  }
});

test('the SIMD and plain-JS Hamming scans pick the same candidates, with and without filters', async () => {
  const vs = vectors(3000, 384, 3);
  const simd = new BitIndex(384, 0, 16);
  const js = new BitIndex(384, 0, 16, false);
  vs.forEach((v, i) => {
    simd.set(i + 1, BitIndex.quantize(v));
    js.set(i + 1, BitIndex.quantize(v));
  });
  for (let i = 1; i <= 3000; i += 7) {
    simd.delete(i);
    js.delete(i);
  }
  const q = vectors(1, 384, 42)[0];
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  assert.deepEqual(sorted(simd.nearest(q, 50, undefined, undefined, 400)), sorted(js.nearest(q, 50, undefined, undefined, 400)));
  const big = new Set(Array.from({ length: 2000 }, (_, i) => i + 1));
  const small = new Set([5, 6, 7, 8, 9, 10]);
  assert.deepEqual(sorted(simd.nearest(q, 50, big, new Set([2, 3]))), sorted(js.nearest(q, 50, big, new Set([2, 3]))));
  assert.deepEqual(sorted(simd.nearest(q, 50, small)), [5, 6, 7, 9, 10]); // 8 = 1 + 7 was deleted
  assert.ok(!simd.nearest(q, 3000).includes(8));
});

test('a search never waits for another connection\'s write lock: pending deletions are excluded instead', async () => {
  const file = tmpDb();
  const a = openDatabase(file);
  const docs = seed(a.db, 2, 3);
  const b = openDatabase(file);
  const store = new VectorStore(b.db);
  store.ensureSpace('m', 8);
  store.upsert('m', docs.flat().map((chunkId, i) => ({ chunkId, vector: vectors(6, 8)[i] })));
  a.db.prepare("DELETE FROM document_index WHERE file_path = 'd0.md'").run();
  a.db.exec('BEGIN IMMEDIATE'); // the indexer is writing
  try {
    const t = Date.now();
    const hits = (await store.search('m', vectors(1, 8)[0], 10)).map((h) => h.chunkId).sort((x, y) => x - y);
    assert.ok(Date.now() - t < 1000, 'did not wait for busy_timeout');
    assert.deepEqual(hits, docs[1]);
    assert.equal(b.db.pragma('busy_timeout', { simple: true }), 5000);
  } finally {
    a.db.exec('ROLLBACK');
  }
  assert.equal(store.flushDeletes(), 3);
  a.db.close();
  b.db.close();
});

test('a search that gives the thread its turns finds what the prefilter in one piece finds, filtered or not', async () => {
  const { db, ids, store, vs, table } = filledSpace(300, 10);
  const index = BitIndex.loadFromShadow(db, table, 64, 0, 1)!;
  const allowed = new Set(ids.filter((_, i) => i % 3 === 0));
  for (const [i, q] of vectors(6, 64, 99).entries()) {
    for (const filter of [undefined, allowed]) {
      const m = 20 + i * 70;
      assert.deepEqual(await index.nearestInTurns(q, m, new Turns(0), filter, undefined), index.nearest(q, m, filter, undefined));
    }
  }
  // A cancel is heard before any work.
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(store.search('m', vs[0], 5, { signal: ac.signal }), /Cancelled|abort/i);
  db.close();
});
