/**
 * What every backend's keyword search must do, through DocumentStore and KeywordIndex only: find
 * by words with filters and any user text, explain terms, and find documents by name.
 * storageConformance runs it for whole storages; a backend still being built runs it on these two parts.
 */
import assert from 'node:assert/strict';
import type { DocumentStore } from '../../src/core/storage/documents';
import type { KeywordIndex } from '../../src/core/storage/keyword';
import { docWrite, rowOf, storageTest } from './conformanceHelpers';

export interface KeywordTarget {
  name: string;
  open(dir: string): Promise<{ documents: DocumentStore; keyword: KeywordIndex; close(): Promise<void> }>;
}

export function keywordConformance(target: KeywordTarget): void {
  const withStorage = storageTest(target, 'keyword');

  withStorage('finds documents by file name and title, whole or (typing) as a prefix, within the filters', async (s) => {
    await s.documents.apply([
      docWrite('pages/common/tar.md', '# tar\n\nArchiving utility.\n'),
      docWrite('pages.zh/common/tar.md', '# tar\n\n归档工具。\n'),
      docWrite('guide/getting-started.md', '---\ntitle: Getting Started Quickly\n---\n\nFirst steps.\n'),
      docWrite('guide/target.md', '# Targets\n\nBuild targets.\n'),
    ]);
    const q = (fileNames: string[], title: string, prefix = false, fileStems: string[] = []) => ({ fileNames, fileStems, title, prefix });
    const paths = async (query: ReturnType<typeof q>, filters = {}) => (await s.keyword.named(query, 10, filters)).map((r) => `${r.path}:${r.nameMatch.field}:${r.nameMatch.exact ? 'exact' : 'prefix'}`);
    assert.deepEqual(await paths(q(['tar.md'], 'tar')), ['pages/common/tar.md:file:exact', 'pages.zh/common/tar.md:file:exact'], 'shortest path first');
    assert.deepEqual(await paths(q([], 'getting started quickly')), ['guide/getting-started.md:title:exact']);
    assert.deepEqual(await paths(q(['ta.md'], 'ta', true, ['ta'])), ['guide/target.md:file:prefix', 'pages/common/tar.md:file:prefix', 'pages.zh/common/tar.md:file:prefix']);
    assert.deepEqual(await paths(q(['tar.md'], 'tar'), { pathGlob: 'pages/**' }), ['pages/common/tar.md:file:exact']);
    const [hit] = await s.keyword.named(q(['tar.md'], 'tar'), 1);
    assert.equal(hit.startLine, 1, 'a name hit opens at the top of the document');
  });

  withStorage('a quoted phrase matches its words side by side only, a common word in it too', async (s) => {
    await s.documents.apply([
      docWrite('plan.md', '# Plan\n\nThe rollout plan of record is signed off.\n'),
      docWrite('apart.md', '# Apart\n\nA plan for the rollout, of record or not.\n'),
      docWrite('other.md', '# Other\n\nNothing of note here, of course.\n'),
    ]);
    const paths = async (q: string) => (await s.keyword.rows(q, 5)).map((h) => h.path);
    assert.deepEqual(await paths('"rollout plan"'), ['plan.md']);
    assert.deepEqual(await paths('"plan of record"'), ['plan.md'], 'a phrase with a common word');
    assert.deepEqual((await paths('"of record"')).sort(), ['apart.md', 'plan.md'], 'both have the words side by side');
    assert.deepEqual((await s.keyword.rows('"plan of record" sig', 5, {}, { prefixLast: true })).map((h) => h.path), ['plan.md'], 'beside a word being typed');
    assert.deepEqual(await paths('"record of rollout"'), [], 'the words, but not in that order');
    assert.deepEqual((await paths('"rollout plan" course')).sort(), ['other.md', 'plan.md'], 'a phrase beside a word: either counts');
  });

  withStorage('keyword search finds by words, honours filters, and takes any user text safely', async (s) => {
    await s.documents.apply([
      docWrite('docs/adr/0001-storage.md', '---\ntype: adr\n---\n# Use SQLite\n\nWe keep the index in SQLite with a write-ahead log.\n'),
      docWrite('notes/cache.md', '# Cache\n\nThe embedding cache is keyed by content hash.\n'),
    ]);
    const hits = await s.keyword.rows('write-ahead log', 5);
    assert.equal(hits[0]?.path, 'docs/adr/0001-storage.md');
    assert.ok(hits[0].score > 0 && hits[0].startLine >= 1 && hits[0].text.includes('write-ahead'));
    assert.deepEqual((await s.keyword.rows('cache', 5, { documentTypes: ['ADR'] })).map((h) => h.path), []);
    assert.deepEqual((await s.keyword.rows('cache OR sqlite', 5, { pathGlob: 'notes/**' })).map((h) => h.path), ['notes/cache.md']);
    for (const hostile of ['"unbalanced', 'NOT', 'a AND', '(((', 'col:umn', '*', "'; DROP TABLE chunks; --", 'NEAR(a b)', '^start']) {
      assert.ok(Array.isArray(await s.keyword.rows(hostile, 5)), hostile);
    }
    assert.equal((await s.keyword.rows('sqlit', 5, {}, { prefixLast: true }))[0]?.path, 'docs/adr/0001-storage.md', 'the last word as a prefix');
    const terms = await s.keyword.explainTerms('sqlite log', hits[0].chunkId);
    assert.deepEqual(terms.map((t) => t.term), ['sqlite', 'log']);
    assert.ok(terms.every((t) => t.fields.length > 0));
    assert.ok(s.keyword.fieldWeights.title > 0);
    await s.documents.apply([{ kind: 'delete', file: await rowOf(s, 'docs/adr/0001-storage.md') }]);
    assert.deepEqual(await s.keyword.rows('write-ahead', 5), [], 'a deleted document is not found');
  });

}
