import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from 'better-sqlite3';
import { loadBeir, writeBeirMarkdown } from '../../src/core/eval/beir';
import { BM25_SQL } from '../../src/core/storage/sqlite/bm25';
import { CandidateSource } from '../../src/core/storage/sqlite/candidates';
import { buildKeywordQuery } from '../../src/core/search/query';
import { indexedDatabase, tempWorkspace, type TempWorkspace } from './helpers';

// The keyword fast path (MaxScore over FTS5, candidates.ts) against FTS5 scoring every match of
// the OR of the query's words, on the quality benchmark's corpus and its 300 dev queries.
const SCIFACT = path.resolve(__dirname, '../../../shared/corpora/scifact');

describe('keyword fast path agrees with exhaustive FTS5 bm25() on SciFact', { skip: !fs.existsSync(SCIFACT) && `no ${SCIFACT}` }, () => {
  let ws: TempWorkspace;
  let db: Database;
  let queries: string[];
  before(async () => {
    const set = loadBeir(SCIFACT);
    queries = set.queries.map((q) => q.text);
    ws = tempWorkspace();
    writeBeirMarkdown(set.docs, ws.root);
    db = await indexedDatabase(ws);
  });
  after(() => {
    db?.close();
    ws?.cleanup();
  });

  // Budgets: the default, and small ones that push most words into the "common" paths (the
  // MaxScore bound, the ranking of common words on chunks without a rare one, the exhaustive cache).
  for (const budget of [undefined, 30]) {
    test(`top-10 agreement >= 0.99 with a rare-word budget of ${budget ?? 'default'}`, async () => {
      const exact = db.prepare(`SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY ${BM25_SQL}, rowid LIMIT 10`).pluck();
      const fast = new CandidateSource(db, budget ? { exactCap: budget } : {});
      let agreement = 0;
      let identical = 0;
      for (const text of queries) {
        const parts = buildKeywordQuery(text).parts;
        const got = ((await fast.pages(parts, 40).next()).value ?? []).slice(0, 10).map((c: { id: number }) => c.id);
        const want = exact.all([...new Set(parts)].map((p) => `(${p})`).join(' OR ')) as number[];
        agreement += want.filter((id) => got.includes(id)).length / Math.max(1, want.length);
        // Words in most chunks (FTS5's IDF: 1e-6) are not scored; without them the order is BM25's to the letter.
        const weighed = [...new Set(parts)].filter((p) => !fast.stats(p).stop);
        if (!weighed.length || (exact.all(weighed.map((p) => `(${p})`).join(' OR ')) as number[]).join() === got.join()) identical++;
      }
      agreement /= queries.length;
      assert.ok(agreement >= 0.99, `agreement ${agreement.toFixed(4)}`);
      assert.equal(identical, queries.length, 'top-10 lists identical to FTS5 scoring every match of the weighed words');
    });
  }
});
