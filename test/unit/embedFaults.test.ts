import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { Lore } from '../../src/core/service';
import { type Fault, type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';
import { eventually, tempWorkspace, type TempWorkspace } from './helpers';

/**
 * Every fault of the embedder ends as a clear status (degraded, with the reason), documents stay
 * pending (nothing failed, nothing lost), search falls back to keyword saying why, and once the
 * fault is gone the pipeline recovers by itself and finishes the work.
 */
describe('embedder faults and recovery', () => {
  let fx: FixtureServer;
  let ws: TempWorkspace;
  before(async () => (fx = await startFixtureServer({ models: { 'nomic-embed-text': 768, 'all-minilm': 384 } })));
  after(() => fx.close());
  beforeEach(async () => {
    await fx.start();
    fx.reset();
    fx.fault = 'none';
    fx.faultCount = 0;
    fx.delayMs = 0;
    fx.models = new Map([['nomic-embed-text:latest', 768], ['all-minilm:latest', 384]]);
    ws = tempWorkspace({
      'a.md': '# Alpha\n\nThe alpha service stores invoices in postgres.\n',
      'b.md': '# Beta\n\nThe beta service renders invoices as pdf files.\n',
    });
  });
  afterEach(() => ws.cleanup());

  const open = (timeoutMs = 2000, extra: Parameters<TempWorkspace['open']>[0] = {}): Promise<Lore> =>
    ws.open({ embedder: { provider: 'ollama', host: fx.url, timeoutMs, retries: 1 }, embedding: { recheckMs: 40 }, ...extra });

  async function expectRecovery(lore: Lore, total: number) {
    await eventually(async () => (await lore.status()).embedder.state === 'live', 'the embedder is live again', 8000);
    await lore.embeddingIdle();
    const st = (await lore.status());
    assert.deepEqual(st.counts, { pending: 0, synced: total, failed: 0, stale: 0 });
    const res = await lore.search('gamma invoices', { mode: 'semantic' });
    assert.equal(res.mode, 'semantic');
    assert.equal(res.fallbackReason, undefined);
  }

  it('connection refused: "Ollama is not running at …", documents pending, keyword fallback, recovery when it starts', async () => {
    await fx.stop();
    const lore = await open();
    await lore.index();
    await eventually(async () => (await lore.status()).embedder.state === 'degraded', 'degraded');
    const st = (await lore.status());
    assert.equal(st.embedder.reason, `Ollama is not running at ${fx.url} (start it with \`ollama serve\`, or set OLLAMA_HOST / lore.embedding.host)`);
    assert.deepEqual(st.embedder.fix, { kind: 'command', value: 'ollama serve', label: 'Start Ollama' });
    assert.deepEqual(st.counts, { pending: 2, synced: 0, failed: 0, stale: 0 });
    const res = await lore.search('invoices');
    assert.equal(res.mode, 'keyword');
    assert.equal(res.results.length, 2, 'keyword search works meanwhile');
    assert.match(res.fallbackReason ?? '', /Ollama is not running at/);
    ws.write('c.md', '# Gamma\n\nThe gamma service emails invoices.\n');
    await lore.index();
    await fx.start();
    await expectRecovery(lore, 3);
  });

  it('a degraded embedder checked again stays degraded throughout the check: the state changes only with the result', async () => {
    fx.models.delete('nomic-embed-text:latest');
    const lore = await open();
    await lore.index();
    await eventually(async () => (await lore.status()).embedder.state === 'degraded', 'degraded');
    fx.delayMs = 600; // a slow answer: the check takes long enough to be seen
    const seen: string[] = [];
    const off = lore.onStatusChange(() => void lore.status().then((s) => seen.push(`${s.embedder.state}${s.embedder.rechecking ? ' (rechecking)' : ''}`)));
    await lore.recheckEmbedder(); // fails again: the model is still not pulled
    await eventually(async () => seen.length >= 2, 'the check reported');
    off();
    assert.ok(seen.every((s) => s.startsWith('degraded')), `states seen: ${seen.join(', ')}`);
    assert.ok(seen.includes('degraded (rechecking)'), `the check itself is visible: ${seen.join(', ')}`);
    fx.delayMs = 0;
    fx.models.set('nomic-embed-text:latest', 768);
    await lore.recheckEmbedder();
    assert.equal((await lore.status()).embedder.state, 'live', 'and it changes when the result does');
  });

  it('model not pulled: the exact pull command, then recovery once pulled', async () => {
    fx.models.delete('nomic-embed-text:latest');
    const lore = await open();
    await lore.index();
    await eventually(async () => (await lore.status()).embedder.state === 'degraded', 'degraded');
    const st = (await lore.status());
    assert.equal(st.embedder.reason, 'model nomic-embed-text is not pulled: run `ollama pull nomic-embed-text`');
    assert.equal(st.embedder.fix?.value, 'ollama pull nomic-embed-text');
    assert.equal(st.counts.pending, 2);
    assert.match((await lore.search('invoices')).fallbackReason ?? '', /ollama pull nomic-embed-text/);
    ws.write('c.md', '# Gamma\n\nThe gamma service emails invoices.\n');
    await lore.index();
    fx.models.set('nomic-embed-text:latest', 768);
    await expectRecovery(lore, 3);
  });

  const midRunFaults: [Fault | 'slow', RegExp][] = [
    ['http500', /failed \(500\)/],
    ['wrongDims', /784-dimensional vectors where 768 were expected/],
    ['empty', /empty vector/],
    ['notFound404', /answered 404/],
    ['slow', /timed out after 1 s \(CPU-only Ollama can be slow: raise lore\.embedding\.timeout\)/],
  ];
  for (const [fault, reason] of midRunFaults) {
    it(`${fault} while embedding: degraded with the reason, nothing lost, recovery`, async () => {
      // A 1 s timeout: short enough for the slow fault to hit it, long enough that the first
      // documents are embedded on a busy 2-core machine (0.3 s timed out there before any fault).
      const lore = await open(1000);
      await lore.index();
      await lore.embeddingIdle();
      assert.equal((await lore.status()).counts.synced, 2);
      if (fault === 'slow') fx.delayMs = 2000;
      else fx.fault = fault;
      ws.write('c.md', '# Gamma\n\nThe gamma service emails invoices.\n');
      await lore.index();
      await eventually(async () => (await lore.status()).embedder.state === 'degraded', 'degraded', 8000);
      const st = (await lore.status());
      assert.match(st.embedder.reason ?? '', reason);
      assert.deepEqual(st.counts, { pending: 1, synced: 2, failed: 0, stale: 0 }, 'the new document waits; nothing failed');
      const res = await lore.search('invoices');
      assert.equal(res.mode, 'keyword');
      assert.match(res.fallbackReason ?? '', reason);
      fx.fault = 'none';
      fx.delayMs = 0;
      await expectRecovery(lore, 3);
    });
  }

  it('model switch: the old vectors serve until the new model covered everything, then the old space goes', async () => {
    const lore = await open(2000, { embedding: { recheckMs: 40, concurrency: 1, docsPerStep: 1 } });
    for (let i = 0; i < 6; i++) ws.write(`more/${i}.md`, `# Doc ${i}\n\nService number ${i} keeps invoices in storage ${i}.\n`);
    await lore.index();
    await lore.embeddingIdle();
    assert.equal((await lore.status()).embedder.activeModel, 'ollama:nomic-embed-text');
    fx.delayMs = 60;
    const switching = lore.configureEmbedder({ provider: 'ollama', host: fx.url, model: 'all-minilm', retries: 1 });
    let sawShadow = false;
    while ((await lore.status()).embedder.activeModel !== 'ollama:all-minilm') {
      const st = (await lore.status());
      if (st.embedder.state === 'live' && st.embedder.progress && st.embedder.progress.done < st.embedder.progress.total) {
        sawShadow = true;
        assert.equal(st.embedder.activeModel, 'ollama:nomic-embed-text', 'the old model serves meanwhile');
        assert.equal(st.embedder.model, 'all-minilm');
      }
      const res = await lore.search('invoices storage', { mode: 'semantic' });
      assert.equal(res.mode, 'semantic', `no gap in semantic search (${res.fallbackReason ?? ''})`);
      assert.ok(res.results.length > 0);
      await new Promise((r) => setTimeout(r, 20));
    }
    await switching;
    await lore.embeddingIdle();
    assert.ok(sawShadow, 'progress of the shadow re-index was visible');
    const st = (await lore.status());
    assert.equal(st.embedder.dimensions, 384);
    assert.deepEqual(st.embedder.progress, { done: 8, total: 8 });
    const db = new Database(ws.dbPath, { readonly: true });
    assert.deepEqual(db.prepare('SELECT model, active FROM vector_spaces').all(), [{ model: 'ollama:all-minilm', active: 1 }], 'the old space was dropped');
    db.close();
    const res = await lore.search('invoices storage', { mode: 'semantic' });
    assert.equal(res.mode, 'semantic');
    assert.ok(res.results.length > 0);
  });

  it('a CLI-style open with nothing listening gives up within seconds, not minutes', async () => {
    await fx.stop();
    const t0 = Date.now();
    const lore = await ws.open({ embedder: { provider: 'ollama', host: fx.url }, embedding: { background: false } });
    await lore.embeddingIdle();
    assert.equal((await lore.status()).embedder.state, 'degraded');
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });
});
