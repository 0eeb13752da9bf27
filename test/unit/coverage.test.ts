import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from 'better-sqlite3';
import { buildKnownItemSet } from '../../src/core/eval/knownItem';
import { BM25_SQL } from '../../src/core/storage/sqlite/bm25';
import { TermContributions } from '../../src/core/storage/sqlite/coverage';
import { buildKeywordQuery } from '../../src/core/search/query';
import { Stemmer } from '../../src/core/storage/sqlite/stems';
import { indexedDatabase, tempWorkspace, type TempWorkspace } from './helpers';

// Document evidence splits a chunk's BM25 score into its words' shares outside FTS5 (coverage.ts).
// Those shares must add up to the score FTS5 itself gives the chunk, on real markdown (rust-book:
// code, headings, punctuation, numbers), or the evidence would rank by a different measure.
const RUST_BOOK = path.resolve(__dirname, '../../../shared/corpora/rust-book');

describe('term contributions add up to FTS5 bm25()', { skip: !fs.existsSync(RUST_BOOK) && `no ${RUST_BOOK}` }, () => {
  let ws: TempWorkspace;
  let db: Database;
  before(async () => {
    ws = tempWorkspace();
    fs.cpSync(RUST_BOOK, ws.root, { recursive: true });
    db = await indexedDatabase(ws);
  });
  after(() => {
    db?.close();
    ws?.cleanup();
  });

  test('on the top 40 chunks of 112 known-item queries, every chunk', async () => {
    const set = await buildKnownItemSet(ws.root, { queries: 112, minWords: 2, maxWords: 6 });
    const terms = new TermContributions(db);
    const count = db.prepare('SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?').pluck();
    const top = db.prepare(`SELECT rowid AS id, -${BM25_SQL} AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY ${BM25_SQL} LIMIT 40`);
    const rowsOf = db.prepare(`SELECT c.id AS chunkId, d.title, c.heading_path AS headingPath, c.text FROM chunks c JOIN document_index d ON d.id = c.document_id
      WHERE c.id IN (SELECT value FROM json_each(?))`);
    let checked = 0;
    const wrong: string[] = [];
    for (const q of set.queries) {
      // Upper-case and accented forms too: FTS5 folds case and removes diacritics.
      const text = q.text.replace(/\b\w/, (c) => c.toUpperCase());
      const parts = [...new Set(buildKeywordQuery(text).parts)];
      const hits = top.all(parts.join(' OR ')) as Array<{ id: number; score: number }>;
      const rows = rowsOf.all(JSON.stringify(hits.map((h) => h.id))) as Array<{ chunkId: number; title: string; headingPath: string; text: string }>;
      const shares = terms.of(parts, rows, (p) => count.get(p) as number);
      for (const h of hits) {
        const sum = [...(shares.get(h.id)?.values() ?? [])].reduce((a, b) => a + b, 0);
        checked++;
        // Stopwords (IDF 1e-6 in FTS5) are left out of the shares; they add at most a few millionths.
        if (Math.abs(sum - h.score) > 1e-4 * Math.max(1, h.score)) wrong.push(`"${text}" chunk ${h.id}: ${sum} vs ${h.score}`);
      }
    }
    assert.ok(checked > 2000, `checked ${checked}`);
    assert.deepEqual(wrong, []);
  });

  test('stems are FTS5 porter stems, diacritics and case folded', async () => {
    const s = new Stemmer();
    const stems = s.stems(['running', 'Happy', 'hoping', 'relational', 'café', 'naïve', 'x']);
    assert.deepEqual([...stems.values()], ['run', 'happi', 'hope', 'relat', 'cafe', 'naiv', 'x']);
    s.close();
  });
});
