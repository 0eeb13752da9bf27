import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { orderForUser } from '../../src/core/index/priority';
import { translationCopies, translationKey } from '../../src/core/translations';
import { tempWorkspace } from './helpers';

test('translated trees are told from their paths, and a page keeps one key across its translations', () => {
  const paths = ['pages/common/tar.md', 'pages.zh/common/tar.md', 'pages.pt_BR/common/tar.md', 'docs/en/intro.md', 'docs/fr/intro.md', 'docs/de/intro.md', 'os/kernel.md', 'it/budget.md', 'i18n/ja/guide.md', 'notes.md'];
  const isCopy = translationCopies(paths);
  assert.deepEqual(paths.filter(isCopy), ['pages.zh/common/tar.md', 'pages.pt_BR/common/tar.md', 'docs/fr/intro.md', 'docs/de/intro.md', 'i18n/ja/guide.md']);
  assert.deepEqual(translationKey('pages.zh/common/tar.md'), { key: 'pages/common/tar.md', lang: 'zh' });
  assert.deepEqual(translationKey('pages/common/tar.md'), { key: 'pages/common/tar.md' });
  assert.deepEqual(translationKey('docs/fr/intro.md'), { key: 'docs/{lang}/intro.md', lang: 'fr' });
  assert.deepEqual(translationKey('docs/en/intro.md'), { key: 'docs/{lang}/intro.md' });
});

test('files are ordered for the user: open ones, their folders, then by likely value, translations last', async () => {
  const now = Date.UTC(2026, 11, 1);
  const mtimes: Record<string, number> = { 'archive/2019/old.md': now - 900 * 86400_000, 'notes/today.md': now - 3600_000 };
  const rels = [
    'zeta/deep/deeper/file.md', 'pages.zh/common/tar.md', 'pages/common/tar.md', 'pages/common/du.md', 'README.md',
    'docs/adr/0001-use-sqlite.md', 'archive/2019/old.md', 'notes/today.md', 'work/plan/q3.md', 'work/plan/q4.md', 'pages.fr/common/du.md',
  ];
  const ordered = (await orderForUser(rels.map((rel) => ({ rel })), (rel) => mtimes[rel] ?? now - 60 * 86400_000, { first: ['work/plan/q4.md'], now })).map((i) => i.rel);
  assert.equal(ordered[0], 'work/plan/q4.md', 'the open file first');
  assert.equal(ordered[1], 'work/plan/q3.md', 'then its folder');
  assert.equal(ordered[2], 'README.md');
  assert.deepEqual(ordered.slice(-2), ['pages.fr/common/du.md', 'pages.zh/common/tar.md'], 'translated copies last');
  assert.ok(ordered.indexOf('notes/today.md') < ordered.indexOf('archive/2019/old.md'), 'recent before old');
  assert.ok(ordered.indexOf('pages/common/du.md') < ordered.indexOf('pages/common/tar.md'), 'ties alphabetical, not reversed');
  assert.ok(ordered.indexOf('docs/adr/0001-use-sqlite.md') < ordered.indexOf('zeta/deep/deeper/file.md'));
});

test('a first run indexes the main tree before its translations, the open file before all', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 150; i++) {
    files[`pages/common/cmd${i}.md`] = `# cmd${i}\n\nCompress a directory into an archive, way ${i}.\n`;
    for (const lang of ['zh', 'ro', 'de']) files[`pages.${lang}/common/cmd${i}.md`] = `# cmd${i}\n\n${lang} text ${i} archive\n`;
  }
  const ws = tempWorkspace(files);
  try {
    const lore = await ws.open();
    const stop = new AbortController();
    // Stopped once the first 150 files are in: which ones they are is what a search meets meanwhile.
    const off = lore.onProgress((p) => p.phase === 'indexing' && p.done >= 150 && (off(), stop.abort()));
    await lore.index({ signal: stop.signal, first: ['pages.ro/common/cmd7.md'] }).catch((err) => assert.equal(err.code, 'ABORTED'));
    const indexed = (await lore.files(undefined, 10_000)).map((f) => f.path);
    const main = indexed.filter((p) => p.startsWith('pages/')).length;
    assert.ok(main >= 140, `${main} of the first ${indexed.length} are the main tree`);
    const top = (await lore.search('compress a directory into an archive', { mode: 'keyword', k: 3 })).results.map((r) => r.path);
    assert.ok(top.every((p) => p.startsWith('pages/')), top.join(', '));
    // The open file goes to the parsers first; with two of them, one still starting, it is among
    // the first batches written (the order rows were written is the order of their ids).
    await lore.rebuild({ first: ['pages.ro/common/cmd7.md'] });
    const db = new Database(ws.dbPath, { readonly: true });
    const rank = (db.prepare('SELECT count(*) FROM document_index WHERE id < (SELECT id FROM document_index WHERE file_path = ?)').pluck().get('pages.ro/common/cmd7.md') as number);
    db.close();
    assert.ok(rank < 150, `the open file was the ${rank + 1}th written`);
  } finally {
    ws.cleanup();
  }
});

test('a search while runs are under way says how much is indexed, of everything the runs will index', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 400; i++) files[`notes/n${i}.md`] = `# Note ${i}\n\nledger figures ${i}\n`;
  const ws = tempWorkspace(files);
  try {
    const lore = await ws.open();
    let asked: Promise<import('../../src/core/search/types').SearchResponse> | undefined;
    const off = lore.onProgress((p) => {
      if (!asked && p.phase === 'indexing' && p.done > 0) asked = lore.search('ledger', { mode: 'keyword' });
    });
    await lore.index();
    off();
    const during = await asked!;
    assert.ok(during.partial, 'the response says it is partial');
    assert.equal(during.partial.total, 400);
    assert.ok(during.partial.indexed > 0 && during.partial.indexed < 400, JSON.stringify(during.partial));
    assert.equal((await lore.search('ledger', { mode: 'keyword' })).partial, undefined, 'not once the run is over');
  } finally {
    ws.cleanup();
  }
});
