import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildKeywordQuery } from '../../src/core/search/query';
import { makeSnippet } from '../../src/core/search/snippet';
import type { Lore } from '../../src/core/service';
import { tempWorkspace, type TempWorkspace } from './helpers';

describe('keyword search', () => {
  let ws: TempWorkspace;
  let lore: Lore;
  before(async () => {
    ws = tempWorkspace({
      'docs/adr/0001-caching.md': '---\ntitle: Cache embeddings by content hash\n---\n\n## Context\n\nRe-embedding unchanged text wastes minutes.\n\n## Decision\n\nKey vectors by the chunk hash and the model.\n',
      'docs/design/watcher.md': '# File watcher\n\n## Debounce\n\nBursts of events are coalesced into one batch.\n\n## Caching\n\nNothing here is cached.\n',
      'notes/body-mention.md': '# Weekly notes\n\nWe talked about caching for a while, and about the watcher.\n\nAlso caching again, and more caching.\n',
      'plans/q3.md': '# Q3 plan\n\n## Search\n\nShip hybrid search and the café menu naïve résumé.\n',
      'notes/models.md': '# Weather\n\nA model of the sky, a model of the sea, one more model.\n',
      'notes/multi.md': '# Multi\n\n## One\n\nzebra alpha\n\n## Two\n\nzebra beta\n\n## Three\n\nzebra gamma\n',
    });
    for (let i = 0; i < 60; i++) ws.write(`notes/bulk/n${i}.md`, `# Note ${i}\n\nThe rollout of the widget is on track.\n`);
    ws.write('docs/adr/0002-widget.md', '# Widget rollout\n\nThe widget rollout decision.\n');
    lore = await ws.open();
    await lore.index();
  });
  after(() => ws.cleanup());

  test('a match in the title or a heading ranks above a match in the body', async () => {
    const paths = (await lore.search('caching', { k: 5 })).results.map((r) => r.path);
    assert.deepEqual(paths.slice(0, 2).sort(), ['docs/adr/0001-caching.md', 'docs/design/watcher.md'], 'the title match and the heading match first');
    assert.equal(paths[2], 'notes/body-mention.md', 'body-only match last, however often it says it');
  });

  test('each result says where it is: path, title, heading path, exact lines, highlighted snippet', async () => {
    const [hit] = (await lore.search('coalesced')).results;
    assert.equal(hit.path, 'docs/design/watcher.md');
    assert.equal(hit.title, 'File watcher');
    assert.equal(hit.headingPath, 'File watcher > Debounce');
    assert.deepEqual([hit.startLine, hit.endLine], [3, 5]);
    assert.equal(hit.retriever, 'keyword');
    assert.equal(hit.stale, false);
    const [a, b] = hit.highlights[0];
    assert.equal(hit.snippet.slice(a, b), 'coalesced');
    const lines = fs.readFileSync(path.join(ws.root, hit.path), 'utf8').split('\n');
    assert.equal(lines[hit.startLine - 1], '## Debounce');
  });

  test('one hit per document by default; perDocument widens it', async () => {
    assert.equal((await lore.search('zebra')).results.length, 1);
    const three = (await lore.search('zebra', { perDocument: 3 })).results;
    assert.deepEqual(three.map((r) => r.headingPath).sort(), ['Multi > One', 'Multi > Three', 'Multi > Two']);
  });

  test('every query word counts: more of the query ranks higher, and any one word is enough to be found', async () => {
    const hits = (await lore.search('hash model', { k: 5, mode: 'keyword' })).results;
    assert.equal(hits[0]?.path, 'docs/adr/0001-caching.md', 'the chunk with both words first');
    assert.ok(hits.some((h) => h.path === 'notes/models.md'), 'a chunk with one of them (however often) is found too');
    const [first, ...rest] = (await lore.search('hash zebra', { k: 5 })).results;
    assert.ok(first, 'some result');
    assert.ok(['docs/adr/0001-caching.md', 'notes/multi.md'].includes(first.path));
    assert.equal(rest.length, 1);
    const scores = (await lore.search('caching zebra rollout', { k: 10 })).results.map((r) => r.score);
    assert.ok(scores.length > 2 && scores.every((s, i) => i === 0 || s < scores[i - 1]), `scores fall down the list: ${scores}`);
  });

  test('filters by document type and path glob never starve: a rare match behind many others is found', async () => {
    // 60 notes mention "rollout" before the one ADR does in rank order; the filter still finds it.
    const byType = (await lore.search('rollout', { k: 3, documentTypes: ['adr'] })).results;
    assert.deepEqual((await lore.search('rollout', { k: 3, documentTypes: [' ADR '] })).results.map((r) => r.path), byType.map((r) => r.path), 'a type filter ignores case and spaces, from every host');
    assert.deepEqual(byType.map((r) => r.path), ['docs/adr/0002-widget.md']);
    const byGlob = (await lore.search('rollout', { k: 3, pathGlob: 'docs/**' })).results;
    assert.deepEqual(byGlob.map((r) => r.path), ['docs/adr/0002-widget.md']);
    assert.equal((await lore.search('rollout', { k: 100 })).results.length, 61);
  });

  test('unicode and diacritics: "cafe" finds "café", "resume" finds "résumé"', async () => {
    assert.equal((await lore.search('cafe')).results[0]?.path, 'plans/q3.md');
    assert.equal((await lore.search('résumé naive')).results[0]?.path, 'plans/q3.md');
  });

  test('prefix matching of the last word, for search as you type', async () => {
    assert.equal((await lore.search('debou')).results.length, 0);
    assert.equal((await lore.search('debou', { prefixLast: true })).results[0]?.path, 'docs/design/watcher.md');
  });

  test('FTS5 syntax in user text never errors: every query returns results or an empty list', async () => {
    const nasty = [
      '"', '""', '"unbalanced', 'AND', 'OR', 'NOT', 'NEAR', 'NEAR(a b)', 'a AND', 'OR b', '*', 'cach*', '-caching', '--',
      '(', ')', '(caching', 'title:caching', 'caching:', '^caching', '+caching', "it's", 'a"b"c', '{caching}', '[x]',
      'café', '日本語の文書', '🙂', '\u0000', 'x'.repeat(1000), '   ', '', '\\', '/', 'NEAR/3', 'caching NOT watcher',
      "'; DROP TABLE chunks; --", 'caching"', '"caching', 'c a c h i n g', '%', '_', 'ǅ', 'İstanbul',
    ];
    for (const q of nasty) {
      const res = (await lore.search(q));
      assert.ok(Array.isArray(res.results), q);
    }
    assert.ok((await lore.search('"one batch"')).results.length === 1, 'a quoted phrase still works as a phrase');
    assert.equal((await lore.search('"batch one"')).results.length, 0, 'and is a phrase, not two words');
    // Read as the words drop, table, chunks: it finds the ADR about chunk hashes, and drops nothing.
    assert.deepEqual((await lore.search("'; DROP TABLE chunks; --")).results.map((r) => r.path), ['docs/adr/0001-caching.md']);
    assert.ok((await lore.search('caching')).results.length > 0, 'the index survived');
  });

  test('a result whose file changed or vanished since indexing is flagged stale', async () => {
    const abs = ws.write('docs/design/watcher.md', '# File watcher\n\nRewritten, not yet re-indexed: the coalesced text is elsewhere now.\n\n');
    assert.equal((await lore.search('coalesced')).results[0].stale, true);
    fs.rmSync(abs);
    assert.equal((await lore.search('coalesced')).results[0].stale, true);
  });

  test('an odd path glob is taken literally and matches nothing, without an error', async () => {
    assert.deepEqual((await lore.search('caching', { pathGlob: '[' })).results, []);
  });
});

describe('query building', () => {
  test('words are quoted, phrases kept, operators become words', async () => {
    assert.deepEqual(buildKeywordQuery('error AND "rate limit" -retry*'), {
      terms: ['error', 'and', 'rate', 'limit', 'retry'],
      all: '"error" AND "AND" AND "rate limit" AND "retry"',
      parts: ['"error"', '"AND"', '"rate limit"', '"retry"'],
    });
    assert.equal(buildKeywordQuery('!!! ***').all, '');
    assert.equal(buildKeywordQuery('inst', { prefixLast: true }).all, '"inst"*');
    assert.equal(buildKeywordQuery('inst ', { prefixLast: true }).all, '"inst"', 'a finished word is not a prefix');
    // While typing, the first letter of the next word waits for a second one.
    assert.deepEqual(buildKeywordQuery('install w', { prefixLast: true }).parts, ['"install"']);
    assert.deepEqual(buildKeywordQuery('install wi', { prefixLast: true }).parts, ['"install"', '"wi"*']);
    assert.deepEqual(buildKeywordQuery('install w').parts, ['"install"', '"w"'], 'a search that is not typed keeps every word');
    assert.deepEqual(buildKeywordQuery('"vitamin d"', { prefixLast: true }).parts, ['"vitamin d"'], 'a phrase keeps its letters');
    assert.deepEqual(buildKeywordQuery('x', { prefixLast: true }).parts, ['"x"'], 'a query of one letter is still a query');
  });

  test('snippets centre on the matched words and mark them', async () => {
    const text = `${'filler words here '.repeat(40)}the embedding cache saves time ${'more filler '.repeat(40)}`;
    const s = makeSnippet(text, ['embedding', 'cache']);
    assert.ok(s.text.length < 240);
    assert.deepEqual(s.highlights.map(([a, b]) => s.text.slice(a, b)), ['embedding', 'cache']);
    assert.ok(s.text.startsWith('… ') && s.text.endsWith(' …'));
    // Comments and empty anchors (joined from before a heading) are not shown; other HTML is.
    const marked = makeSnippet('<!-- Old headings. Do not remove. -->\n\n<a id="old-name"></a>\n\n## Caching\n\nThe <kbd>cache</kbd> works.', ['cache']);
    assert.equal(marked.text, '## Caching The <kbd>cache</kbd> works.');
    assert.equal(makeSnippet('<!-- only a comment -->', ['x']).text, '<!-- only a comment -->');
  });
});
