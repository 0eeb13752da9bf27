import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempWorkspace } from './helpers';

// A tldr-like tree: one page per command in English, and the same pages in three translations
// whose text repeats the command name more often (BM25 alone ranks them first).
function pages(): Record<string, string> {
  const files: Record<string, string> = {};
  const en: Record<string, string> = {
    tar: 'Archiving utility. Often combined with a compression method, such as gzip or bzip2.',
    find: 'Find files or directories under a directory tree, recursively.',
    du: 'Disk usage: estimate and summarize file and directory space usage.',
    zip: 'Package and compress (archive) files into a zip archive.',
  };
  for (const [cmd, text] of Object.entries(en)) {
    files[`pages/common/${cmd}.md`] = `# ${cmd}\n\n> ${text}\n\n- Example:\n\n\`${cmd} --help\`\n`;
    for (const lang of ['zh', 'ro', 'de']) files[`pages.${lang}/common/${cmd}.md`] = `# ${cmd}\n\n> ${cmd} ${cmd} (${lang}) ${cmd}.\n\n\`${cmd} ${cmd}\`\n`;
  }
  files['pages/common/gzip.md'] = '# gzip\n\n> Compress files with tar archives and gzip. tar tar tar.\n';
  files['guide/understanding-ownership.md'] = '---\ntitle: Understanding Ownership\n---\n\nHow values are owned and moved.\n';
  files['guide/borrowing.md'] = '# References\n\nUnderstanding ownership makes borrowing clear: ownership, ownership, ownership.\n';
  return files;
}

test('a query that is a file name puts that page first, with its translations as one result', async () => {
  const ws = tempWorkspace(pages());
  try {
    const lore = await ws.open();
    await lore.index();
    for (const cmd of ['tar', 'find', 'du']) {
      const r = await lore.search(cmd, { mode: 'keyword' });
      assert.equal(r.results[0].path, `pages/common/${cmd}.md`, `${cmd}: ${r.results.map((x) => x.path).join(', ')}`);
      assert.deepEqual(r.results[0].nameMatch, { field: 'file', exact: true });
      assert.deepEqual([...(r.results[0].translations?.languages ?? [])].sort(), ['de', 'ro', 'zh']);
      assert.ok(!r.results.some((x) => x.path.endsWith(`/${cmd}.md`) && x !== r.results[0]), 'no translation of it fills the list');
    }
    const off = await lore.search('tar', { mode: 'keyword', names: false, groupTranslations: false });
    assert.notEqual(off.results[0].path, 'pages/common/tar.md', 'without names first, BM25 alone ranks a translation first (the test means something)');
  } finally {
    ws.cleanup();
  }
});

test('a title puts its document first; while typing, a name that starts with what is typed does', async () => {
  const ws = tempWorkspace(pages());
  try {
    const lore = await ws.open();
    await lore.index();
    const byTitle = await lore.search('understanding ownership', { mode: 'keyword' });
    assert.equal(byTitle.results[0].path, 'guide/understanding-ownership.md');
    assert.deepEqual(byTitle.results[0].nameMatch, { field: 'file', exact: true });
    const typing = await lore.search('gzi', { mode: 'keyword', prefixLast: true });
    assert.equal(typing.results[0].path, 'pages/common/gzip.md');
    assert.deepEqual(typing.results[0].nameMatch, { field: 'file', exact: false });
    const settled = await lore.search('gzi', { mode: 'keyword' });
    assert.ok(!settled.results.some((x) => x.nameMatch), 'the settled query is whole words: no prefix names');
    // Filters hold for names too.
    const filtered = await lore.search('tar', { mode: 'keyword', pathGlob: 'guide/**' });
    assert.ok(filtered.results.every((x) => x.path.startsWith('guide/')));
  } finally {
    ws.cleanup();
  }
});

test('a page and its translations are one result also when more passages per document are asked for', async () => {
  const ws = tempWorkspace(pages());
  try {
    const lore = await ws.open();
    await lore.index();
    const r = await lore.search('tar', { mode: 'keyword', perDocument: 3, k: 20 });
    const tar = r.results.filter((x) => /\/common\/tar\.md$/.test(x.path));
    assert.ok(tar.length >= 1 && tar.every((x) => x.path === 'pages/common/tar.md'), tar.map((x) => x.path).join(', '));
  } finally {
    ws.cleanup();
  }
});
