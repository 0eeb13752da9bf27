import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';
import { type TempWorkspace, tempWorkspace } from './helpers';
import type { Lore } from '../../src/core/service';

const files = {
  'book/ownership.md': [
    '# What Is Ownership?', // 1
    '', // 2
    'Ownership rules govern how a program manages heap memory.', // 3
    '', // 4
    '## The Stack and the Heap', // 5
    '', // 6
    'The stack stores values in order; the heap is less organized. Pushing to the stack is faster than', // 7
    'allocating on the heap, because the allocator must find space on the heap for the data.', // 8
  ].join('\n'),
  'book/boxes.md': [
    '# Boxes', // 1
    '', // 2
    'A box stores data on the heap rather than the stack: the allocator finds heap space. See', // 3
    '[the stack and the heap](ownership.html#the-stack-and-the-heap) for why.', // 4
  ].join('\n'),
  'book/vectors.md': [
    '# Vectors', // 1
    '', // 2
    'Vectors keep their elements on the heap. Ownership is explained in [[Ownership]], and', // 3
    'moves in [moving](ownership.md#moves), slices in [slices](slices.html), ![diagram](img/vec.png).', // 4
    'Other books: [nomicon](../../nomicon/vec.html).', // 5
    'See [the examples](examples/) and ![gone](img/gone.png).', // 6
  ].join('\n'),
  'book/examples/main.rs': 'fn main() {}',
  'book/img/vec.png': 'not really an image',
  'notes/gardening.md': '# Gardening\n\nTomatoes need sun, water and patience.\n',
};

describe('related: what belongs with the document in front of the user', () => {
  let ws: TempWorkspace;
  let lore: Lore;
  before(async () => {
    ws = tempWorkspace(files);
    lore = await ws.open();
    await lore.index();
  });
  after(() => ws.cleanup());

  it('finds passages like the section at a line by its distinctive words, saying so, leaving out its own document', async () => {
    const r = await lore.related('book/ownership.md', { line: 7 });
    assert.ok(r);
    assert.deepEqual(r.section, { headingPath: 'What Is Ownership? > The Stack and the Heap', startLine: 5, endLine: 8 });
    assert.equal(r.similar.method, 'keyword');
    assert.match(r.similar.reason, /semantic search is not available.*distinctive words/);
    assert.ok(r.similar.terms?.includes('allocator'), String(r.similar.terms));
    assert.ok(!r.similar.terms?.includes('heap'), 'a word in most passages (here: heap) tells nothing apart');
    const paths = r.similar.passages.map((p) => p.path);
    assert.equal(paths[0], 'book/boxes.md');
    assert.ok(!paths.includes('book/ownership.md'));
    assert.ok(!paths.includes('notes/gardening.md'), 'a note sharing no distinctive word is not similar');
  });

  it('lists backlinks with the linking line, by source path, not the document itself', async () => {
    const r = await lore.related('book/ownership.md');
    assert.deepEqual(r?.linksTo.map((b) => [b.path, b.line, b.kind, b.fragment]), [
      ['book/boxes.md', 4, 'inline', 'the-stack-and-the-heap'],
      ['book/vectors.md', 3, 'wikilink', ''],
      ['book/vectors.md', 4, 'inline', 'moves'],
    ]);
    assert.equal(r?.linksTo[0].context, '[the stack and the heap](ownership.html#the-stack-and-the-heap) for why.');
  });

  it('resolves links from the document: the heading a #part names, missing headings, files, the outside, broken ones', async () => {
    const from = (await lore.links('book/vectors.md'))?.linksFrom.map((o) => [o.target, o.state, o.path, o.targetLine]);
    assert.deepEqual(from, [
      ['Ownership', 'document', 'book/ownership.md', 1],
      ['ownership.md', 'heading-missing', 'book/ownership.md', 1],
      ['slices.html', 'broken', undefined, undefined],
      ['img/vec.png', 'file', 'book/img/vec.png', undefined],
      ['../../nomicon/vec.html', 'outside', undefined, undefined],
      // A folder on disk without a README is there (not broken); an image that is not is a missing file.
      ['examples/', 'file', 'book/examples', undefined],
      ['img/gone.png', 'missing-file', undefined, undefined],
    ]);
    const boxes = await lore.links('book/boxes.md');
    assert.deepEqual(boxes?.linksFrom.map((o) => [o.path, o.targetLine]), [['book/ownership.md', 5]]);
  });

  it('counts broken links in status and lists where they are, a missing image too; a new document resolves its links', async () => {
    // slices.html, and the image that is not there; the examples folder and img/vec.png are on disk.
    assert.equal((await lore.status()).brokenLinks, 2);
    assert.deepEqual((await lore.brokenLinks()).links.map((l) => [l.path, l.line, l.target, l.missing]), [
      ['book/vectors.md', 4, 'slices.html', 'document'],
      ['book/vectors.md', 6, 'img/gone.png', 'file'],
    ]);
    assert.deepEqual((await lore.brokenLinks(1)).links.map((l) => l.target), ['slices.html'], 'the first by path and line');
    ws.write('book/slices.md', '# Slices\n\nA slice borrows part of a collection.\n');
    await lore.index();
    assert.equal((await lore.status()).brokenLinks, 1);
    assert.deepEqual((await lore.brokenLinks()).links.map((l) => l.target), ['img/gone.png']);
    assert.equal((await lore.links('book/vectors.md'))?.linksFrom[2].state, 'document');
  });

  it('follows a renamed target: links to the old name break, backlinks move to the new one', async () => {
    ws.move('book/boxes.md', 'book/smart/boxes.md');
    await lore.index();
    // boxes.md's relative link now points at book/smart/ownership.html: broken from its new folder.
    assert.deepEqual((await lore.brokenLinks()).links.map((l) => [l.path, l.target]), [['book/smart/boxes.md', 'ownership.html#the-stack-and-the-heap'], ['book/vectors.md', 'img/gone.png']]);
    assert.ok(!(await lore.related('book/ownership.md'))?.linksTo.some((b) => b.path.includes('boxes')));
  });

  it('refuses a bad line and says nothing for a document not indexed', async () => {
    await assert.rejects(lore.related('book/ownership.md', { line: 0 }), /line must be a whole number from 1/);
    assert.equal(await lore.related('nowhere.md'), undefined);
    assert.equal(await lore.links('nowhere.md'), undefined);
  });
});

describe('related by meaning when semantic search is live', () => {
  let fx: FixtureServer;
  let ws: TempWorkspace;
  let lore: Lore;
  before(async () => {
    fx = await startFixtureServer();
    ws = tempWorkspace(files);
    lore = await ws.open({ embedder: { provider: 'ollama', host: fx.url } });
    await lore.index();
    await lore.embeddingIdle();
  });
  after(async () => {
    ws.cleanup();
    await fx.close();
  });

  it('uses the section\'s stored vector (nothing is embedded) and its nearest passages', async () => {
    const before = fx.embedRequests();
    const r = await lore.related('book/ownership.md', { line: 7 });
    assert.equal(r?.similar.method, 'semantic');
    assert.match(r?.similar.reason ?? '', /by meaning/);
    assert.equal(fx.embedRequests(), before, 'no text was embedded for related');
    assert.equal(r?.similar.passages[0].path, 'book/boxes.md');
    assert.ok(!r?.similar.passages.some((p) => p.path === 'book/ownership.md'));
  });
});
