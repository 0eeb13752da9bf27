import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { currentDocument, DEFAULT_LINK_PRIOR, LINK_PRIOR_OFF, priorFactor, rerankByLinks, resolveLinkPrior, TUNED_LINK_PRIOR } from '../../src/core/search/linkPrior';
import type { Lore } from '../../src/core/service';
import { type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';
import { tempWorkspace, type TempWorkspace } from './helpers';

const hits = (...paths: string[]) => paths.map((path) => ({ path, score: 2 }));

describe('link prior: re-ranking', () => {
  test('when scores tie, the document more others link to moves up', () => {
    const out = rerankByLinks(hits('a.md', 'b.md', 'c.md'), { inbound: 0.05, linked: 0 }, new Map([['c.md', 3], ['b.md', 1]]), new Set());
    assert.deepEqual(out.map((h) => h.path), ['c.md', 'b.md', 'a.md']);
    assert.ok(out[0].score > out[1].score && out[1].score > out[2].score, 'the boosted scores fall down the list');
    assert.equal(out[2].score, 2, 'a document nothing links to keeps its score');
  });

  test('when scores tie, a document the current document links to moves up', () => {
    const out = rerankByLinks(hits('a.md', 'b.md'), { inbound: 0, linked: 0.05 }, new Map(), new Set(['b.md']));
    assert.deepEqual(out.map((h) => h.path), ['b.md', 'a.md']);
  });

  test('a slight prior does not overturn a clear difference in scores', () => {
    const list = [{ path: 'a.md', score: 10 }, { path: 'b.md', score: 5 }];
    const out = rerankByLinks(list, TUNED_LINK_PRIOR, new Map([['b.md', 20]]), new Set(['b.md']));
    assert.deepEqual(out.map((h) => h.path), ['a.md', 'b.md']);
  });

  test('off leaves the list as it is', () => {
    const list = hits('a.md', 'b.md', 'c.md');
    const out = rerankByLinks(list, LINK_PRIOR_OFF, new Map([['c.md', 9]]), new Set(['b.md']));
    assert.deepEqual(out, list);
  });

  test('the option: true = the tuned weights, false = off, a number = the inbound weight; bad weights are none', () => {
    assert.deepEqual(resolveLinkPrior(true), TUNED_LINK_PRIOR);
    assert.deepEqual(resolveLinkPrior(false), LINK_PRIOR_OFF);
    assert.deepEqual(resolveLinkPrior(0.1), { inbound: 0.1, linked: TUNED_LINK_PRIOR.linked });
    assert.deepEqual(resolveLinkPrior({ inbound: -1, linked: Number.NaN }), LINK_PRIOR_OFF);
    assert.deepEqual(resolveLinkPrior(undefined), DEFAULT_LINK_PRIOR);
    assert.deepEqual(DEFAULT_LINK_PRIOR, { inbound: 0, linked: TUNED_LINK_PRIOR.linked }, 'by default only the current document\'s links count');
    assert.equal(priorFactor({ inbound: 0.05, linked: 0.05 }, 0, false), 1);
    assert.ok(Math.abs(priorFactor({ inbound: 0.05, linked: 0.05 }, 3, true) - (1 + 0.05 * Math.log(4)) * 1.05) < 1e-12);
  });
});

describe('link prior: the current document', () => {
  test('relative or absolute in the folder; outside it, none', () => {
    assert.equal(currentDocument('/w/a', 'docs/x.md'), 'docs/x.md');
    assert.equal(currentDocument('/w/a', '/w/a/docs/x.md'), 'docs/x.md');
    assert.equal(currentDocument('/w/a', '/w/b/x.md'), undefined);
    assert.equal(currentDocument('/w/a', '../b/x.md'), undefined);
    assert.equal(currentDocument('/w/a', '  '), undefined);
    assert.equal(currentDocument('/w/a', undefined), undefined);
  });
});

describe('link prior: search', () => {
  let ws: TempWorkspace;
  let lore: Lore;
  let order: string[];
  const search = async (opts: Parameters<Lore['search']>[1] = {}) => (await lore.search('quokka habitat', { mode: 'keyword', k: 5, ...opts })).results.map((r) => r.path);
  before(async () => {
    // Two documents with the same text (their scores tie), and nothing linking to either yet.
    ws = tempWorkspace({
      'notes/one.md': '# Field note\n\nA quokka habitat survey on the island.\n',
      'notes/two.md': '# Field note\n\nA quokka habitat survey on the island.\n',
      'reader.md': '# Reader\n\nNothing about the animals here.\n',
    });
    lore = await ws.open();
    await lore.index();
    order = await search({ linkPrior: false });
    assert.equal(order.length, 2);
    // Now two documents link to the one that came second, and the reader links to it too.
    const second = order[1].replace('notes/', '');
    ws.write('hub-a.md', `# Hub A\n\nSee [the note](notes/${second}).\n`);
    ws.write('hub-b.md', `# Hub B\n\nAlso [this](notes/${second}).\n`);
    ws.write('reader.md', `# Reader\n\nNothing about the animals here, but [a note](notes/${second}).\n`);
    await lore.index();
  });
  after(() => ws.cleanup());

  test('with the prior, the document more others link to comes first', async () => {
    assert.deepEqual(await search({ linkPrior: { inbound: 0.05, linked: 0 } }), [order[1], order[0]]);
    assert.deepEqual(await search({ linkPrior: true }), [order[1], order[0]]);
  });

  test('off, the order is the one before the links existed', async () => {
    assert.deepEqual(await search({ linkPrior: false }), order);
    assert.deepEqual(await search({ linkPrior: { inbound: 0, linked: 0 } }), order);
  });

  test('a document the current document links to comes first; without a current document the linked boost does nothing', async () => {
    assert.deepEqual(await search({ linkPrior: { inbound: 0, linked: 0.05 }, fromPath: 'reader.md' }), [order[1], order[0]]);
    assert.deepEqual(await search({ linkPrior: { inbound: 0, linked: 0.05 } }), order);
  });

  test('by default, a search from a document ranks what it links to first, and one from nowhere is as off', async () => {
    assert.deepEqual(await search({ fromPath: 'reader.md' }), [order[1], order[0]]);
    assert.deepEqual(await search({ fromPath: path.join(ws.root, 'reader.md') }), [order[1], order[0]], 'an absolute path in the folder');
    assert.deepEqual(await search(), order);
    assert.deepEqual(await search({ fromPath: path.join(ws.root, '..', 'elsewhere', 'reader.md') }), order, 'a file of another folder');
    assert.deepEqual(await search({ fromPath: 'reader.md', linkPrior: false }), order);
    const explained = await lore.search('quokka habitat', { mode: 'keyword', k: 5, fromPath: 'reader.md', explain: true });
    assert.match(explained.results[0].explain?.summary ?? '', /link prior x1\.050 \(.*the current document links here\)/);
  });

  test('in hybrid mode falling back to keyword (no embedder), the same', async () => {
    const r = await lore.search('quokka habitat', { k: 5, linkPrior: { inbound: 0.05, linked: 0 } });
    assert.equal(r.mode, 'keyword');
    assert.deepEqual(r.results.map((h) => h.path), [order[1], order[0]]);
  });
});

describe('link prior: semantic and hybrid search', () => {
  let ws: TempWorkspace;
  let fx: FixtureServer;
  let lore: Lore;
  before(async () => {
    fx = await startFixtureServer();
    ws = tempWorkspace({
      'notes/one.md': '# Field note\n\nA quokka habitat survey on the island.\n',
      'notes/two.md': '# Field note\n\nA quokka habitat survey on the island.\n',
    });
    lore = await ws.open({ embedder: { provider: 'ollama', host: fx.url } });
    await lore.index();
    await lore.embeddingIdle();
  });
  const paths = async (mode: 'semantic' | 'hybrid', linkPrior: boolean) => {
    const r = await lore.search('quokka habitat survey', { mode, k: 2, linkPrior });
    assert.equal(r.mode, mode);
    return r.results.map((h) => h.path);
  };
  after(async () => {
    ws.cleanup();
    await fx.close();
  });

  test('semantic and hybrid: off leaves the order as it is; on, the linked-to document of two tied ones comes first', async () => {
    const before = { semantic: await paths('semantic', false), hybrid: await paths('hybrid', false) };
    for (const order of Object.values(before)) assert.deepEqual([...order].sort(), ['notes/one.md', 'notes/two.md']);
    // Two documents now link to the one semantic search put second.
    const second = before.semantic[1];
    ws.write('hub-a.md', `# Hub A\n\nSee [the note](${second}).\n`);
    ws.write('hub-b.md', `# Hub B\n\nAlso [this](${second}).\n`);
    await lore.index();
    await lore.embeddingIdle();
    for (const mode of ['semantic', 'hybrid'] as const) {
      assert.deepEqual(await paths(mode, false), before[mode], `${mode}, off: as before the links`);
      assert.equal((await paths(mode, true))[0], second, `${mode}, on: the linked-to document first`);
    }
  });
});
