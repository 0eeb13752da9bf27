import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { agreementOf, fuseAgreement, fuseRrf, fuseWeighted } from '../../src/core/search/fusion';
import type { Lore } from '../../src/core/service';
import { type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';
import { bumpMtime, tempWorkspace, type TempWorkspace } from './helpers';

const r = (...ids: number[]) => ids.map((chunkId, i) => ({ chunkId, score: 100 - i }));

describe('fusion of hand-made lists', () => {
  it('RRF (k=60): shared items first, ties to the better single rank, then semantic', async () => {
    const fused = fuseRrf(r(1, 2, 3), r(3, 4, 1));
    assert.deepEqual(fused.map((f) => [f.chunkId, f.retriever]), [[1, 'both'], [3, 'both'], [2, 'semantic'], [4, 'keyword']]);
    assert.ok(Math.abs(fused[0].score - (1 / 61 + 1 / 63)) < 1e-12);
    assert.deepEqual([fused[0].semanticRank, fused[0].keywordRank], [1, 3]);
  });

  it('RRF k changes how much agreement outweighs a single top rank', async () => {
    assert.deepEqual(fuseRrf(r(1, 2), r(2), 1).map((f) => f.chunkId), [2, 1]);
    assert.deepEqual(fuseRrf(r(1, 2, 3, 4, 5), r(5), 60).map((f) => f.chunkId)[0], 5);
    assert.deepEqual(fuseRrf(r(1), []).map((f) => f.chunkId), [1]);
    assert.deepEqual(fuseRrf([], []), []);
  });

  it('weighted: 0.7 semantic + 0.3 keyword of min-max scaled scores', async () => {
    const fused = fuseWeighted(
      [{ chunkId: 1, score: 0.9 }, { chunkId: 2, score: 0.8 }, { chunkId: 3, score: 0.5 }],
      [{ chunkId: 3, score: 10 }, { chunkId: 4, score: 5 }, { chunkId: 5, score: 1 }],
    );
    assert.deepEqual(fused.map((f) => f.chunkId), [1, 2, 3, 4, 5]);
    assert.ok(Math.abs(fused[0].score - 0.7) < 1e-9);
    assert.ok(Math.abs(fused[1].score - 0.525) < 1e-9);
    assert.ok(Math.abs(fused[2].score - 0.3) < 1e-9, 'chunk 3: last semantically (0), first by keyword (0.3)');
    assert.equal(fused[2].retriever, 'both');
    assert.deepEqual(fuseWeighted(r(1), r(2), { semantic: 0.2, keyword: 0.8 }).map((f) => f.chunkId), [2, 1]);
  });

  it('agreement: a semantic list that shares nothing with the keyword list cannot push keyword matches down', async () => {
    const sem = [1, 2, 3].map((chunkId) => ({ chunkId, score: 0.95 }));
    const kw = [{ chunkId: 7, score: 3 }, { chunkId: 8, score: 2 }, { chunkId: 9, score: 1 }];
    const { fused, info } = fuseAgreement(sem, kw);
    assert.equal(info.agreement, 0);
    assert.equal(info.semanticWeight, 0);
    assert.deepEqual(fused.map((f) => f.chunkId), [7, 8, 9, 1, 2, 3], 'keyword order first, then the semantic finds in their order');
  });

  it('agreement: lists that agree let semantic similarity reorder and add its own finds', async () => {
    const sem = [{ chunkId: 2, score: 0.9 }, { chunkId: 1, score: 0.3 }, { chunkId: 5, score: 0.85 }];
    const kw = [{ chunkId: 1, score: 10 }, { chunkId: 2, score: 9.5 }];
    assert.equal(agreementOf(sem, kw), 2 / 3);
    const { fused, info } = fuseAgreement(sem, kw);
    assert.ok(Math.abs(info.semanticWeight! - (0.5 * 2) / 3) < 1e-12);
    assert.deepEqual(fused.map((f) => f.chunkId), [2, 1, 5], 'close keyword scores: the far more similar chunk 2 goes first');
    assert.deepEqual(fuseAgreement(sem, []).fused.map((f) => f.chunkId), [2, 1, 5], 'no keyword match: the semantic order stands');
    assert.deepEqual(fuseAgreement([], kw).fused.map((f) => f.chunkId), [1, 2]);
  });
});

describe('hybrid and semantic search over an index', () => {
  let fx: FixtureServer;
  let ws: TempWorkspace;
  let lore: Lore;
  // One index for the whole suite (60+ files take seconds to parse); tests that change files run last.
  before(async () => {
    fx = await startFixtureServer();
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`notes/n${i}.md`] = `# Note ${i}\n\nRotate the signing keys of service ${i} every quarter.\n`;
    files['docs/adr/007-keys.md'] = '---\ntype: adr\n---\n# Key rotation\n\nDecision: keys rotate yearly; signing uses hardware tokens.\n';
    files['docs/design/cache.md'] = '# Cache design\n\nThe cache keeps embeddings by content hash.\n';
    ws = tempWorkspace(files);
    lore = await ws.open({ embedder: { provider: 'ollama', host: fx.url } });
    await lore.index();
    await lore.embeddingIdle();
  });
  after(async () => {
    ws.cleanup();
    await fx.close();
  });

  it('semantic mode fills with keyword hits when too few chunks are similar enough', async () => {
    const res = await lore.search('content hash', { mode: 'semantic', k: 3, minSimilarity: 0.99 });
    assert.equal(res.mode, 'semantic');
    assert.equal(res.results[0].path, 'docs/design/cache.md');
    assert.equal(res.results[0].retriever, 'keyword');
  });

  it('hybrid marks which retriever found each hit, and weighted fusion is an option', async () => {
    const rrf = await lore.search('cache embeddings content hash', { k: 5 });
    assert.equal(rrf.mode, 'hybrid');
    assert.equal(rrf.results[0].path, 'docs/design/cache.md');
    assert.equal(rrf.results[0].retriever, 'both');
    const weighted = await lore.search('cache embeddings content hash', { k: 5, fusion: 'weighted' });
    assert.equal(weighted.results[0].path, 'docs/design/cache.md');
    assert.ok(weighted.results[0].score <= 1 && weighted.results[0].score > 0.5);
  });

  it('explain says why: keyword terms adding up to the BM25 score, both ranks, and the fusion', async () => {
    const kw = await lore.search('cache embeddings hash', { k: 3, mode: 'keyword', explain: true });
    const top = kw.results[0];
    assert.equal(top.path, 'docs/design/cache.md');
    const e = top.explain!;
    assert.equal(e.keyword!.rank, 1);
    const sum = e.keyword!.terms.reduce((s, t) => s + t.contribution, 0) + (e.keyword!.documentBonus ?? 0);
    assert.ok(Math.abs(sum - top.score) < 1e-6, `parts ${sum} add up to the score ${top.score}`);
    const cache = e.keyword!.terms.find((t) => t.term === 'cache')!;
    assert.deepEqual(cache.fields, ['title', 'heading', 'body']);
    assert.ok(cache.idf > 0 && cache.matches === 1);
    assert.match(e.summary, /keyword #1, BM25 [\d.]+: "cache" [\d.]+ \(title\+heading\+body/);

    const hy = await lore.search('cache embeddings hash', { k: 3, explain: true });
    const h = hy.results[0].explain!;
    assert.equal(h.fusion!.method, 'agreement');
    assert.ok(h.fusion!.agreement! > 0 && h.fusion!.semanticWeight! > 0);
    assert.equal(h.keyword!.rank, 1);
    assert.equal(h.semantic!.rank, 1);
    assert.ok(Math.abs(h.fusion!.score - hy.results[0].score) < 1e-12);
    assert.match(h.summary, /semantic #1, similarity/);
    assert.equal((await lore.search('cache', { k: 1 })).results[0].explain, undefined, 'only when asked');
  });

  it('type, path and modified-after filters never starve semantic results', async () => {
    const q = 'rotate the signing keys of service every quarter';
    const unfiltered = await lore.search(q, { mode: 'semantic', k: 5 });
    assert.ok(!unfiltered.results.some((x) => x.path.startsWith('docs/')), 'the ADR is far down the unfiltered list');
    const byType = await lore.search(q, { mode: 'semantic', k: 5, documentTypes: ['adr'] });
    assert.deepEqual(byType.results.map((x) => [x.path, x.retriever]), [['docs/adr/007-keys.md', 'semantic']]);
    const byGlob = await lore.search(q, { mode: 'hybrid', k: 5, pathGlob: 'docs/**' });
    assert.equal(byGlob.results[0].path, 'docs/adr/007-keys.md');
    assert.ok(byGlob.results.every((x) => x.path.startsWith('docs/')));
    // modified after: only the one file touched later
    const later = path.join(ws.root, 'notes/n42.md');
    bumpMtime(later, 3600);
    await lore.index();
    await lore.embeddingIdle();
    const cutoff = fs.statSync(later).mtimeMs - 1000;
    for (const mode of ['keyword', 'semantic', 'hybrid'] as const) {
      const res = await lore.search(q, { mode, k: 5, modifiedAfter: cutoff });
      assert.deepEqual(res.results.map((x) => x.path), ['notes/n42.md'], mode);
    }
  });

  it('a file changed on disk since indexing is flagged stale in every mode', async () => {
    fs.appendFileSync(path.join(ws.root, 'docs/design/cache.md'), '\nMore text.\n');
    for (const mode of ['keyword', 'semantic', 'hybrid'] as const) {
      const res = await lore.search('cache embeddings content hash', { mode, k: 3 });
      const hit = res.results.find((x) => x.path === 'docs/design/cache.md');
      assert.equal(hit?.stale, true, mode);
      assert.ok(res.results.filter((x) => x !== hit).every((x) => !x.stale));
    }
  });

  it('a cancelled search says so', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(lore.search('rotate keys', { mode: 'semantic', signal: ac.signal }), /Cancelled/);
  });

  it('an unknown mode is refused with the valid ones', async () => {
    await assert.rejects(lore.search('x', { mode: 'fuzzy' as never }), /Unknown search mode "fuzzy" \(use keyword, semantic or hybrid\)/);
  });
});
