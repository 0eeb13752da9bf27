import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from 'better-sqlite3';
import { openDatabase } from '../../src/core/storage/sqlite/open';
import { CandidateSource } from '../../src/core/storage/sqlite/candidates';
import { KeywordSearch, registerSearchFunctions } from '../../src/core/storage/sqlite/keyword';
import type { Lore } from '../../src/core/service';
import { tempWorkspace, type TempWorkspace } from './helpers';

// Keyword search bounds its cost on words that match many chunks (see src/core/storage/sqlite/candidates.ts).
// The real budget is 1,000 matches; here it is 20 so that a small index takes the same paths.
describe('keyword search on words that match many chunks', () => {
  let ws: TempWorkspace;
  let lore: Lore;
  let db: Database;
  let capped: KeywordSearch;
  let exact: KeywordSearch;
  const paths = (hits: { path: string }[]) => hits.map((h) => h.path);

  before(async () => {
    ws = tempWorkspace();
    // Written (and so indexed) first: the oldest chunks, behind every newer body match.
    ws.write('a/cadence-title.md', '# Release cadence\n\nHow often we ship.\n');
    ws.write('a/heading.md', '# Process\n\n## Cadence of reviews\n\nWeekly.\n');
    ws.write('a/adr.md', '---\ntype: adr\n---\n\n# Decision\n\nThe widget cadence is decided here.\n');
    ws.write('a/widget-title.md', '# The widget handbook\n\nRead it.\n');
    ws.write('a/zebra-widget.md', '# Zoo\n\nA zebra and the widget.\n');
    ws.write('a/zebra-only.md', '# Stripes\n\nA zebra, nothing else.\n');
    for (let i = 0; i < 60; i++) {
      ws.write(`b/n${String(i).padStart(2, '0')}.md`, `# Note ${i}\n\nThe widget rollout keeps its cadence${i % 3 === 0 ? ' and its cadence again' : ''}.\n`);
    }
    for (let i = 0; i < 80; i++) ws.write(`c/f${String(i).padStart(2, '0')}.md`, `# Filler ${i}\n\nThe widget is fine.\n`);
    lore = await ws.open({ config: {} });
    await lore.index();
    db = openDatabase(ws.dbPath).db;
    registerSearchFunctions(db);
    capped = new KeywordSearch(db, { exactCap: 20 });
    exact = new KeywordSearch(db, { exactCap: 1_000_000 });
  });
  after(() => {
    db?.close();
    ws.cleanup();
  });

  test('a title match ranks first, then a heading match, even behind many newer body matches', async () => {
    const hits = await capped.search('cadence', 3);
    assert.deepEqual(paths(hits), ['a/cadence-title.md', 'a/heading.md', hits[2].path]);
    assert.match(hits[2].path, /^b\/|^a\/adr/);
  });

  test('the capped ranking still reaches every match: k = 100 returns them all, each once', async () => {
    const all = await capped.search('cadence', 100);
    assert.equal(all.length, 63);
    assert.equal(new Set(paths(all)).size, 63);
  });

  test('filters never starve: an old match of the right type is found behind many newer ones', async () => {
    assert.deepEqual(paths(await capped.search('cadence', 3, { documentTypes: ['adr'] })), ['a/adr.md']);
    assert.deepEqual(paths(await capped.search('cadence', 3, { pathGlob: 'a/adr*' })), ['a/adr.md']);
  });

  test('a word in most chunks (a stopword) carries no weight: chunks with the rarer word come first, then the rest', async () => {
    const candidates = new CandidateSource(db);
    assert.equal(candidates.stats('"widget"').stop, true, 'widget is in most chunks');
    assert.equal(candidates.stats('"zebra"').stop, false);
    // Every query word counts (OR): both zebra notes lead, whichever holds "widget" too.
    assert.deepEqual(paths(await capped.search('zebra widget', 2)).sort(), ['a/zebra-only.md', 'a/zebra-widget.md']);
    assert.deepEqual(paths(await exact.search('zebra widget', 2)).sort(), ['a/zebra-only.md', 'a/zebra-widget.md']);
    // Chunks with only the stopword follow, with near-zero scores.
    const more = await capped.search('zebra widget', 5);
    assert.equal(more.length, 5);
    assert.ok(more.slice(2).every((h) => h.score < 1e-5));
  });

  test('a query of stopwords only returns title matches first, then heading matches, then the rest', async () => {
    const hits = await capped.search('the widget', 5);
    assert.equal(hits.length, 5);
    assert.ok(hits.every((h) => h.score > 0 && h.score < 1e-5), 'tiny scores: BM25 gives such words no weight');
    assert.equal(hits[0].path, 'a/widget-title.md', 'the one title match first, though it is the oldest');
    assert.equal((await capped.search('widget', 1000)).length, 143);
  });

  test('common words ranked a range of chunks at a time give the same list as ranked at once', async () => {
    const sliced = new KeywordSearch(db, { exactCap: 20, sliceRows: 8 });
    for (const q of ['cadence', 'cadence reviews', 'release cadence weekly', 'cadence widget']) {
      for (const k of [3, 10, 100]) {
        const want = await capped.search(q, k);
        const got = await sliced.search(q, k);
        assert.deepEqual(got.map((h) => [h.path, h.score]), want.map((h) => [h.path, h.score]), `${q} (k = ${k})`);
      }
    }
  });

  test('below the cap the ranking is exactly BM25', async () => {
    for (const q of ['zebra', 'release', 'cadence reviews', '"release cadence"', 'weekly zebra']) {
      assert.deepEqual(paths(await new KeywordSearch(db).search(q, 10)), paths(await exact.search(q, 10)), q);
    }
  });

  test('the service answers the same through lore.search', async () => {
    const res = await lore.search('cadence', { k: 2, mode: 'keyword' });
    assert.deepEqual(res.results.map((r) => r.path), ['a/cadence-title.md', 'a/heading.md']);
  });
});
