import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Lore } from '../../src/core/service';
import { type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';
import { tempWorkspace, type TempWorkspace } from './helpers';

const guide = (extra = '') => `# Storage guide

## SQLite
We store the index in SQLite with WAL journaling.

## Vectors
Embeddings live in sqlite-vec tables, one per model.

## Caching
Unchanged chunks are never embedded twice.${extra}
`;

describe('embedding pipeline', () => {
  let fx: FixtureServer;
  let ws: TempWorkspace;
  before(async () => (fx = await startFixtureServer({ models: { 'nomic-embed-text': 768, 'all-minilm': 384 } })));
  after(() => fx.close());
  beforeEach(() => {
    fx.reset();
    fx.poison = undefined;
    fx.apiKey = undefined;
    ws = tempWorkspace({
      'docs/guide.md': guide(),
      'docs/adr/001-sqlite.md': '# Use SQLite\n\nWe chose SQLite for the local index because it is embedded.\n',
      'notes/bread.md': '# Sourdough\n\nFeed the starter with flour and water every morning.\n',
    });
  });
  afterEach(() => ws.cleanup());

  const open = (extra: Parameters<TempWorkspace['open']>[0] = {}): Promise<Lore> =>
    ws.open({ embedder: { provider: 'ollama', host: fx.url }, embedding: { recheckMs: 50 }, ...extra });

  it('text is keyword-searchable at once, then every document becomes synced with its embedding model', async () => {
    const lore = await open();
    fx.delayMs = 150; // embedding lags behind text indexing
    await lore.index();
    const early = await lore.search('sourdough starter', { mode: 'keyword' });
    assert.equal(early.results[0]?.path, 'notes/bread.md');
    assert.ok((await lore.status()).counts.pending > 0, 'documents wait for vectors as pending');
    fx.delayMs = 0;
    await lore.embeddingIdle();
    const st = (await lore.status());
    assert.deepEqual(st.counts, { pending: 0, synced: 3, failed: 0, stale: 0 });
    assert.equal(st.embedder.state, 'live');
    assert.equal(st.embedder.model, 'nomic-embed-text');
    assert.equal(st.embedder.dimensions, 768);
    assert.equal(st.embedder.activeModel, 'ollama:nomic-embed-text');
    assert.deepEqual(st.embedder.progress, { done: 3, total: 3 });
    assert.equal(st.queue.pending, 0);
    assert.ok((await lore.files()).every((f) => f.status === 'synced'));
    const res = await lore.search('flour water starter');
    assert.equal(res.mode, 'hybrid');
    assert.equal(res.requestedMode, 'hybrid');
    assert.equal(res.fallbackReason, undefined);
    assert.equal(res.results[0].path, 'notes/bread.md');
    assert.equal(res.results[0].retriever, 'both');
    const sem = await lore.search('embedded local index sqlite', { mode: 'semantic' });
    assert.equal(sem.mode, 'semantic');
    assert.ok(sem.results.some((r) => r.retriever === 'semantic'));
  });

  it('workers running at once never take the same document: every chunk is sent once', async () => {
    for (let i = 0; i < 12; i++) ws.write(`more/doc-${i}.md`, `# Doc ${i}\n\nunique words of document number ${i}\n`);
    const lore = await open({ embedding: { concurrency: 4, docsPerStep: 1, recheckMs: 50 } });
    await lore.index();
    await lore.embeddingIdle();
    const sent = fx.inputs.slice(1); // after the preflight probe
    assert.equal(sent.length, (await lore.status()).chunks, 'each chunk once');
    assert.equal(new Set(sent).size, sent.length, 'no text sent twice');
  });

  it('re-embeds only the chunk that changed (counted at the server), and reports the cache hit rate', async () => {
    const lore = await open();
    await lore.index();
    await lore.embeddingIdle();
    const sentBefore = fx.inputs.length;
    assert.equal(sentBefore, (await lore.status()).chunks + 1, 'every chunk once, plus the preflight probe');
    ws.write('docs/guide.md', guide('\n\n## Backups\nCopy the database file while Lore is closed.'));
    await lore.index();
    await lore.embeddingIdle();
    const sent = fx.inputs.slice(sentBefore);
    assert.deepEqual(sent, ['search_document: ## Backups\nCopy the database file while Lore is closed.']);
    const { cache } = (await lore.status());
    assert.equal(cache.misses, sentBefore - 1 + 1);
    assert.equal(cache.hits, 3, 'the three unchanged chunks of the guide came from the cache');
    assert.ok(cache.hitRate > 0 && cache.hitRate < 1);
  });

  it('a rename and a full rebuild send nothing to the embedder again', async () => {
    const lore = await open();
    await lore.index();
    await lore.embeddingIdle();
    const requests = fx.embedRequests();
    ws.move('docs/guide.md', 'docs/moved/guide.md');
    await lore.index();
    await lore.embeddingIdle();
    assert.equal(fx.embedRequests(), requests, 'rename: chunks and vectors kept');
    await lore.rebuild();
    await lore.embeddingIdle();
    assert.equal(fx.embedRequests(), requests, 'rebuild: every vector from the cache');
    assert.equal((await lore.status()).counts.synced, 3);
    assert.ok((await lore.status()).cache.hits >= (await lore.status()).chunks, 'the rebuild was all cache hits');
    const res = await lore.search('sqlite-vec tables one per model', { mode: 'semantic' });
    assert.equal(res.mode, 'semantic');
    assert.equal(res.results[0].path, 'docs/moved/guide.md');
  });

  it('the cache survives closing and reopening the index', async () => {
    const first = await open();
    await first.index();
    await first.embeddingIdle();
    await first.close();
    const requests = fx.embedRequests();
    ws.remove('notes/bread.md');
    ws.write('notes/bread2.md', '# Sourdough\n\nFeed the starter with flour and water every morning.\n\nBake at 250 degrees.\n');
    const second = await open();
    await second.index();
    await second.embeddingIdle();
    // the preflight probe plus one request for the one new chunk text
    assert.equal(fx.embedRequests() - requests, 2);
  });

  it('pause keeps documents pending; resume embeds them', async () => {
    const lore = await open();
    await lore.embeddingIdle(); // preflight done
    lore.pauseEmbedding();
    await lore.index();
    await lore.embeddingIdle();
    assert.equal((await lore.status()).counts.pending, 3);
    assert.deepEqual((await lore.status()).queue, { pending: 3, running: false, paused: true });
    lore.resumeEmbedding();
    await lore.embeddingIdle();
    assert.equal((await lore.status()).counts.synced, 3);
  });

  it('a document the embedder refuses is failed with the reason; the others are synced', async () => {
    fx.poison = 'POISON';
    ws.write('notes/bad.md', '# Bad\n\nThis text is POISON for the model.\n');
    const lore = await open();
    await lore.index();
    await lore.embeddingIdle();
    const failed = (await lore.files('failed'));
    assert.deepEqual(failed.map((f) => f.path), ['notes/bad.md']);
    assert.match(failed[0].error ?? '', /could not be embedded: .*input length exceeds/);
    assert.equal((await lore.status()).counts.synced, 3);
    assert.equal((await lore.status()).embedder.state, 'live');
    assert.equal((await lore.search('poison model', { mode: 'keyword' })).results[0]?.path, 'notes/bad.md', 'still keyword-searchable');
  });

  it('an OpenAI-compatible server with an API key embeds the same way', async () => {
    fx.apiKey = 'sk-fixture';
    const lore = await ws.open({ embedder: { provider: 'openai', host: fx.url, model: 'nomic-embed-text', apiKey: 'sk-fixture' } });
    await lore.index();
    await lore.embeddingIdle();
    assert.equal((await lore.status()).counts.synced, 3);
    assert.equal((await lore.status()).embedder.activeModel, 'openai:nomic-embed-text');
    assert.ok(fx.authHeaders.length > 0 && fx.authHeaders.every((h) => h === 'Bearer sk-fixture'));
    assert.ok(!JSON.stringify((await lore.status())).includes('sk-fixture'), 'the key is not in the status');
    assert.equal((await lore.search('flour water')).mode, 'hybrid');
  });

  it('keyword only: documents are synced at once and search says why it used keyword', async () => {
    const lore = await ws.open();
    await lore.index();
    assert.equal((await lore.status()).counts.synced, 3);
    assert.equal((await lore.status()).embedder.state, 'off');
    const res = await lore.search('sqlite');
    assert.equal(res.mode, 'keyword');
    assert.equal(res.requestedMode, 'hybrid');
    assert.match(res.fallbackReason ?? '', /no embedder is configured/);
  });

  it('a read-only Lore searches the vectors another wrote; configureEmbedder(null) turns semantic off', async () => {
    const writer = await open();
    await writer.index();
    await writer.embeddingIdle();
    const reader = await ws.open({ readonly: true, embedder: { provider: 'ollama', host: fx.url } });
    const res = await reader.search('flour water starter', { mode: 'semantic' });
    assert.equal(res.mode, 'semantic');
    assert.equal(res.results[0].path, 'notes/bread.md');
    await writer.configureEmbedder(null);
    assert.equal((await writer.status()).embedder.state, 'off');
    const off = await writer.search('flour water starter');
    assert.equal(off.mode, 'keyword');
    assert.match(off.fallbackReason ?? '', /no embedder is configured/);
  });

  it('status listeners hear the embedder and queue change', async () => {
    const lore = await open();
    let calls = 0;
    const off = lore.onStatusChange(() => calls++);
    await lore.index();
    await lore.embeddingIdle();
    off();
    assert.ok(calls >= 2, `got ${calls}`);
  });

  it('a deleted file takes its vectors with it when the run ends, not at the next search', async () => {
    const lore = await open();
    await lore.index();
    await lore.embeddingIdle();
    const db = new Database(lore.dbPath, { readonly: true });
    try {
      const vectors = () => (db.prepare('SELECT count(*) AS n FROM embedding_cache').get() as { n: number }).n;
      const pending = () => (db.prepare('SELECT count(*) AS n FROM vector_deletes').get() as { n: number }).n;
      assert.ok(vectors() >= 5);
      ws.remove('notes/bread.md');
      await lore.index();
      assert.equal(pending(), 0, 'no chunk deletions left waiting');
      assert.equal((await lore.validate()).ok, true);
      assert.equal((await lore.search('sourdough starter', { mode: 'semantic' })).results.some((r) => r.path === 'notes/bread.md'), false);
    } finally {
      db.close();
    }
  });
});

describe('embedding writes', () => {
  it('a step stores its vectors in transactions of at most 32 (each document whole), so the thread it shares is not held for long', async () => {
    const { embedStep } = await import('../../src/core/embed/step');
    const ws = tempWorkspace(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`n${i}.md`, `# Note ${i}\n\n${Array.from({ length: 20 }, (_, j) => `## Part ${j}\n\nwords ${i} ${j} about ledgers\n`).join('\n')}`])));
    const fx = await startFixtureServer({ models: { 'nomic-embed-text': 768 } });
    try {
      const lore = await ws.open({ embedder: null });
      await lore.index();
      const { openSqliteStorage } = await import('../../src/core/storage/sqlite/storage');
      const storage = openSqliteStorage({ dbPath: ws.dbPath });
      const { createEmbedder } = await import('../../src/core/embed/create');
      const target = createEmbedder({ provider: 'ollama', host: fx.url, model: 'nomic-embed-text' });
      const commits: number[] = [];
      const docs = new Proxy(storage.embeddingQueue, {
        get: (q, prop) => (prop === 'commit' ? (m: string, rows: unknown[], d: unknown[]) => (commits.push(rows.length), q.commit(m, rows as never, d as never)) : Reflect.get(q, prop).bind(q)),
      });
      await storage.vectors.ensureSpace(target.id, 768);
      const batch = await storage.embeddingQueue.todo(target.id, 16, new Set());
      await embedStep({ target, batch, signal: new AbortController().signal, docs, vectors: storage.vectors });
      assert.equal(commits.reduce((a, b) => a + b, 0), (await storage.documents.counts()).chunks, 'every chunk has its vector');
      assert.ok(commits.every((n) => n <= 32), commits.join(','));
      assert.equal(await storage.embeddingQueue.remaining(target.id), 0);
      await storage.close();
      await lore.close();
    } finally {
      await fx.close();
      ws.cleanup();
    }
  });
});
