/**
 * What every backend's link graph must do, through DocumentStore and LinkIndex only: documents
 * written with links the real parser read (parseMarkdown), then read back as links from a
 * document, backlinks to it, broken links and inbound counts, while targets are added, deleted,
 * renamed or fail and sources are rewritten or moved. storageConformance.test.ts runs it on SQLite,
 * postgresStorage.test.ts on PostgreSQL 15 and on PGlite.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DocumentStore } from '../../src/core/storage/documents';
import type { LinkIndex, ResolvedLink, StoredLink } from '../../src/core/storage/links';
import { docWrite, rowOf, stamp, storageTest } from './conformanceHelpers';

export interface LinkTarget {
  name: string;
  /** The store kept under `dir` (another `dir` is another index: another file, or another project on the server). */
  open(dir: string): Promise<{ documents: DocumentStore; links: LinkIndex; close(): Promise<void> }>;
}

/** Where a link is and what it reaches, in one line for deepEqual. */
const where = (l: ResolvedLink) => [l.sourcePath, l.line, l.kind, l.target, l.fragment, l.targetPath ?? null];
const at = (l: StoredLink) => `${l.sourcePath}:${l.line}:${l.target}`;

export function linkConformance(target: LinkTarget): void {
  const withStorage = storageTest(target, 'links');

  withStorage('links from a document come in source order, each with what it says and the document it reaches', async (s) => {
    const guide = [
      '# Guide', // 1
      '',
      'See [the intro](intro.md) first, then [part](ch04-01-x.html#part).', // 3
      '',
      'A [[Wiki Note|alias]] and the [docs folder](docs/) and ![diagram](img/d.png).', // 5
      '',
      'Missing: [gone](missing.md), a [ref link][r] and [away](../../outside.md).', // 7
      '',
      '[r]: sub/ref.md#sec',
      '',
    ].join('\n');
    await s.documents.apply([
      docWrite('book/sub/ref.md', '# Reference\n\ntext\n'),
      docWrite('archive/deep/Wiki Note.md', '# Old Wiki Note\n\ntext\n'),
      docWrite('notes/Wiki Note.md', '# Wiki Note\n\ntext\n'),
      docWrite('book/docs/README.md', '# Docs\n\ntext\n'),
      docWrite('book/ch04-01-x.md', '# Chapter 4.1\n\ntext\n'),
      docWrite('book/intro.md', '# Introduction\n\ntext\n'),
      docWrite('book/guide.md', guide),
    ]);
    const links = await s.links.from('book/guide.md');
    assert.deepEqual(links.map((l) => [l.line, l.kind, l.target, l.fragment, l.text, l.key, l.targetPath ?? null, l.targetTitle ?? null]), [
      [3, 'inline', 'intro.md', '', 'the intro', 'book/intro', 'book/intro.md', 'Introduction'],
      [3, 'inline', 'ch04-01-x.html', 'part', 'part', 'book/ch04-01-x', 'book/ch04-01-x.md', 'Chapter 4.1'],
      // A wikilink reaches the document of that name with the shortest path.
      [5, 'wikilink', 'Wiki Note', '', 'alias', '~wiki note', 'notes/Wiki Note.md', 'Wiki Note'],
      [5, 'inline', 'docs/', '', 'docs folder', 'book/docs/', 'book/docs/README.md', 'Docs'],
      [5, 'image', 'img/d.png', '', 'diagram', '=book/img/d.png', null, null],
      [7, 'inline', 'missing.md', '', 'gone', 'book/missing', null, null],
      [7, 'reference', 'sub/ref.md', 'sec', 'ref link', 'book/sub/ref', 'book/sub/ref.md', 'Reference'],
      [7, 'inline', '../../outside.md', '', 'away', '=../../outside.md', null, null],
    ]);
    assert.deepEqual([...new Set(links.map((l) => l.context))], [
      'See [the intro](intro.md) first, then [part](ch04-01-x.html#part).',
      'A [[Wiki Note|alias]] and the [docs folder](docs/) and ![diagram](img/d.png).',
      'Missing: [gone](missing.md), a [ref link][r] and [away](../../outside.md).',
    ]);
    assert.deepEqual([...new Set(links.map((l) => `${l.sourcePath}|${l.sourceTitle}`))], ['book/guide.md|Guide']);
    assert.ok(links.filter((l) => l.targetPath === undefined).every((l) => !('targetPath' in l) && !('targetTitle' in l)), 'an unresolved link has no target fields');
    // Backlinks agree: the wikilink is one of the document it resolves to, not of the other one of that name.
    assert.deepEqual((await s.links.to('notes/Wiki Note.md', 10)).map((l) => l.sourcePath), ['book/guide.md']);
    assert.deepEqual(await s.links.to('archive/deep/Wiki Note.md', 10), []);
    assert.deepEqual([...(await s.links.inbound(['notes/Wiki Note.md', 'archive/deep/Wiki Note.md']))], [['notes/Wiki Note.md', 1]]);
    assert.deepEqual(await s.links.from('book/intro.md'), [], 'a document without links');
    assert.deepEqual(await s.links.from('nowhere.md'), [], 'a path the index does not hold');
  });

  withStorage('backlinks: links in other documents only (not its own), by source path and line, at most `limit`', async (s) => {
    await s.documents.apply([
      docWrite('t/target.md', '# Target\n\nMyself: [self](target.md) and [[target]].\n'),
      docWrite('c.md', '# C\n\nTo [another](t/other.md).\n'),
      docWrite('b.md', '# B\n\nOne [built page](t/target.html#top).\n\nTwo [[Target]].\n'),
      docWrite('a.md', '# A\n\nSee [it](t/target.md).\n'),
      docWrite('Z.md', '# Zed\n\nUp [it](./t/target).\n'),
    ]);
    const to = await s.links.to('t/target.md', 10);
    // Byte order of paths ('Z' before 'a'), as SQLite's BINARY collation orders them.
    assert.deepEqual(to.map(at), ['Z.md:3:./t/target', 'a.md:3:t/target.md', 'b.md:3:t/target.html', 'b.md:5:Target']);
    assert.deepEqual(to[2], {
      line: 3, kind: 'inline', target: 't/target.html', fragment: 'top', text: 'built page', context: 'One [built page](t/target.html#top).',
      key: 't/target', sourcePath: 'b.md', sourceTitle: 'B',
    });
    assert.deepEqual((await s.links.to('t/target.md', 2)).map(at), ['Z.md:3:./t/target', 'a.md:3:t/target.md']);
    assert.deepEqual(await s.links.to('t/target.md', 0), []);
    assert.deepEqual(await s.links.to('c.md', 10), [], 'a document nothing links to');
  });

  withStorage('broken links: to documents the index does not hold; not images, other files, links out of the workspace or resolved ones', async (s) => {
    await s.documents.apply([
      docWrite('b.md', '# B\n\nLost: [gone](gone.md).\n'),
      docWrite('ok.md', '# OK\n\nfine\n'),
      docWrite('a.md', [
        '# A', '',
        'A [missing](missing.md) page.', '', // 3
        'A picture ![pic](pic.png), ![art](art/missing.svg) and [a pdf](notes/spec.pdf).', '', // 5
        'Fine: [ok](ok.md) and [[OK]]; out: [up](../x.md).', '', // 7
        'Nobody: [[Nobody]].', '', // 9
      ].join('\n')),
    ]);
    const all = await s.links.broken(10);
    assert.equal(all.count, 3);
    assert.deepEqual(all.links.map(at), ['a.md:3:missing.md', 'a.md:9:Nobody', 'b.md:3:gone.md']);
    assert.deepEqual(all.links.map((l) => [l.kind, l.key, l.sourceTitle]), [['inline', 'missing', 'A'], ['wikilink', '~nobody', 'A'], ['inline', 'gone', 'B']]);
    const first = await s.links.broken(1);
    assert.equal(first.count, 3, 'the count is of all of them, whatever the limit');
    assert.deepEqual(first.links.map(at), ['a.md:3:missing.md']);
  });

  withStorage('files that are not documents: the ones links name by path, with how many name each, and those links; not wikilink embeds or links from the root', async (s) => {
    await s.documents.apply([
      docWrite('a.md', ['# A', '', 'A picture ![pic](pic.png), again ![pic](pic.png), and [a pdf](notes/spec.pdf).', '', 'Embedded: ![[pic.png]]; a page: [b](b.md).', ''].join('\n')),
      docWrite('docs/b.md', ['# B', '', 'Up: ![pic](../pic.png) and ![art](art/x.svg); from the root: ![logo](/static/logo.png), ![pic](/pic.png).', ''].join('\n')),
    ]);
    assert.deepEqual(await s.links.fileTargets(10), [{ key: '=docs/art/x.svg', links: 1 }, { key: '=notes/spec.pdf', links: 1 }, { key: '=pic.png', links: 3 }]);
    assert.deepEqual(await s.links.fileTargets(1), [{ key: '=docs/art/x.svg', links: 1 }]);
    assert.deepEqual((await s.links.linksWithKeys(['=pic.png', '=nothing'], 10)).map(at), ['a.md:3:pic.png', 'a.md:3:pic.png', 'docs/b.md:3:../pic.png']);
    assert.deepEqual((await s.links.linksWithKeys(['=pic.png'], 1)).map(at), ['a.md:3:pic.png']);
    assert.deepEqual(await s.links.linksWithKeys([], 10), []);
    await s.documents.apply([docWrite('a.md', '# A\n\nNo pictures now.\n')]);
    assert.deepEqual(await s.links.fileTargets(10), [{ key: '=docs/art/x.svg', links: 1 }, { key: '=pic.png', links: 1 }], 'read again after a write');
  });

  withStorage('a missing document added later resolves the links to it without the linking document being written again', async (s) => {
    await s.documents.apply([docWrite('a.md', '# A\n\nSee [later](docs/later.md) and [[Later]].\n')], 5_000);
    assert.equal((await s.links.broken(10)).count, 2);
    assert.deepEqual((await s.links.from('a.md')).map(where), [['a.md', 3, 'inline', 'docs/later.md', '', null], ['a.md', 3, 'wikilink', 'Later', '', null]]);
    await s.documents.apply([docWrite('docs/later.md', '# Later\n\ntext\n')], 9_000);
    assert.equal((await s.links.broken(10)).count, 0);
    assert.deepEqual((await s.links.from('a.md')).map((l) => [l.targetPath, l.targetTitle]), [['docs/later.md', 'Later'], ['docs/later.md', 'Later']]);
    assert.deepEqual((await s.links.to('docs/later.md', 10)).map(at), ['a.md:3:docs/later.md', 'a.md:3:Later']);
    assert.equal((await s.documents.files(undefined, 10)).find((f) => f.path === 'a.md')?.updatedAt, 5_000, 'a.md was not written again');
  });

  withStorage('deleting a target makes the links to it broken', async (s) => {
    await s.documents.apply([docWrite('b.md', '# B\n\ntext\n'), docWrite('a.md', '# A\n\nTo [b](b.md).\n')]);
    assert.equal((await s.links.broken(10)).count, 0);
    assert.equal((await s.links.from('a.md'))[0].targetPath, 'b.md');
    await s.documents.apply([{ kind: 'delete', file: await rowOf(s, 'b.md') }]);
    const broken = await s.links.broken(10);
    assert.equal(broken.count, 1);
    assert.deepEqual(broken.links.map(at), ['a.md:3:b.md']);
    assert.equal((await s.links.from('a.md'))[0].targetPath, undefined);
    // Deleting a source takes its links with it.
    await s.documents.apply([{ kind: 'delete', file: await rowOf(s, 'a.md') }]);
    assert.equal((await s.links.broken(10)).count, 0);
  });

  withStorage('renaming a target: links to its old name break, links to its new name resolve', async (s) => {
    const old = '# Old Plan\n\ntext\n';
    const readme = '# Guide\n\ntext\n';
    await s.documents.apply([
      docWrite('plans/old.md', old),
      docWrite('guide/README.md', readme),
      docWrite('a.md', '# A\n\nTo [old](plans/old.md), [[old]] and [the guide](guide/).\n'),
      docWrite('c.md', '# C\n\nTo [new](plans/new.html), [[New]] and [the manual](manual/).\n'),
    ]);
    assert.deepEqual((await s.links.broken(10)).links.map(at), ['c.md:3:plans/new.html', 'c.md:3:New', 'c.md:3:manual/']);
    await s.documents.apply([
      { kind: 'rename', file: await rowOf(s, 'plans/old.md'), path: 'plans/new.md', stamp: stamp(old, 2_000), status: 'synced' },
      { kind: 'rename', file: await rowOf(s, 'guide/README.md'), path: 'manual/README.md', stamp: stamp(readme, 2_000), status: 'synced' },
    ]);
    const broken = await s.links.broken(10);
    assert.deepEqual(broken.links.map(at), ['a.md:3:plans/old.md', 'a.md:3:old', 'a.md:3:guide/']);
    assert.equal(broken.count, 3);
    assert.deepEqual((await s.links.from('c.md')).map((l) => [l.targetPath, l.targetTitle]), [
      ['plans/new.md', 'Old Plan'], ['plans/new.md', 'Old Plan'], ['manual/README.md', 'Guide'],
    ]);
    assert.deepEqual((await s.links.from('a.md')).map((l) => l.targetPath), [undefined, undefined, undefined]);
    assert.deepEqual((await s.links.to('plans/new.md', 10)).map(at), ['c.md:3:plans/new.html', 'c.md:3:New']);
  });

  withStorage('renaming a source resolves its relative links again from its new folder', async (s) => {
    const text = '# Source\n\nNext door: [sib](sibling.md); from the top: [top](/top.md); by name: [[Name]]; up: [up](../up.md).\n';
    await s.documents.apply([
      docWrite('a/sibling.md', '# Sibling A\n\ntext\n'),
      docWrite('b/sibling.md', '# Sibling B\n\ntext\n'),
      docWrite('top.md', '# Top\n\ntext\n'),
      docWrite('x/Name.md', '# Name\n\ntext\n'),
      docWrite('up.md', '# Up\n\ntext\n'),
      docWrite('a/src.md', text),
    ]);
    assert.deepEqual((await s.links.from('a/src.md')).map((l) => l.targetPath), ['a/sibling.md', 'top.md', 'x/Name.md', 'up.md']);
    await s.documents.apply([{ kind: 'rename', file: await rowOf(s, 'a/src.md'), path: 'b/deeper/src.md', stamp: stamp(text, 2_000), status: 'synced' }]);
    assert.deepEqual(await s.links.from('a/src.md'), []);
    const moved = await s.links.from('b/deeper/src.md');
    assert.deepEqual(moved.map(where), [
      ['b/deeper/src.md', 3, 'inline', 'sibling.md', '', null], // b/deeper/sibling.md: none
      ['b/deeper/src.md', 3, 'inline', '/top.md', '', 'top.md'],
      ['b/deeper/src.md', 3, 'wikilink', 'Name', '', 'x/Name.md'],
      ['b/deeper/src.md', 3, 'inline', '../up.md', '', null], // b/up.md: none
    ]);
    assert.deepEqual(moved.map((l) => l.key), ['b/deeper/sibling', 'top', '~name', 'b/up']);
    assert.deepEqual((await s.links.to('a/sibling.md', 10)), []);
    assert.deepEqual((await s.links.broken(10)).links.map(at), ['b/deeper/src.md:3:sibling.md', 'b/deeper/src.md:3:../up.md']);
    // Moved next to b/sibling.md, its link reaches that one.
    await s.documents.apply([{ kind: 'rename', file: await rowOf(s, 'b/deeper/src.md'), path: 'b/src.md', stamp: stamp(text, 3_000), status: 'synced' }]);
    assert.deepEqual((await s.links.from('b/src.md')).map((l) => l.targetPath), ['b/sibling.md', 'top.md', 'x/Name.md', 'up.md']);
    assert.deepEqual((await s.links.to('b/sibling.md', 10)).map(at), ['b/src.md:3:sibling.md']);
    assert.equal((await s.links.broken(10)).count, 0);
  });

  withStorage('a target that fails to index is still reached (the file is there); its own links go', async (s) => {
    await s.documents.apply([
      docWrite('b.md', '# B\n\nBack to [a](a.md).\n'),
      docWrite('a.md', '# A\n\nTo [b](b.md) and [c](c.md).\n'),
      { kind: 'failure', path: 'c.md', stamp: stamp('never indexed'), reason: 'too big' },
    ]);
    assert.deepEqual((await s.links.from('a.md')).map((l) => l.targetPath), ['b.md', 'c.md']);
    assert.deepEqual((await s.links.to('a.md', 10)).map(at), ['b.md:3:a.md']);
    await s.documents.apply([{ kind: 'failure', path: 'b.md', stamp: stamp('x'), reason: 'unreadable' }]);
    assert.deepEqual((await s.links.from('a.md')).map((l) => [l.targetPath, l.targetTitle]), [['b.md', 'B'], ['c.md', 'c']]);
    assert.equal((await s.links.broken(10)).count, 0);
    assert.deepEqual(await s.links.from('b.md'), [], 'the failed document has no links');
    assert.deepEqual(await s.links.to('a.md', 10), []);
    assert.deepEqual(await s.links.inbound(['a.md', 'b.md']), new Map([['b.md', 1]]));
  });

  withStorage('writing a document again replaces its links', async (s) => {
    await s.documents.apply([docWrite('a.md', '# A\n\nTo [b](b.md) and [c](c.md).\n')]);
    assert.deepEqual((await s.links.broken(10)).links.map(at), ['a.md:3:b.md', 'a.md:3:c.md']);
    await s.documents.apply([docWrite('a.md', '# A\n\nNow\n\nonly [d](d.md).\n')]);
    assert.deepEqual((await s.links.from('a.md')).map(where), [['a.md', 5, 'inline', 'd.md', '', null]]);
    const broken = await s.links.broken(10);
    assert.equal(broken.count, 1);
    assert.deepEqual(broken.links.map(at), ['a.md:5:d.md']);
    assert.deepEqual(await s.links.to('b.md', 10), []);
    await s.documents.apply([docWrite('a.md', '# A\n\nNo links now.\n')]);
    assert.deepEqual(await s.links.from('a.md'), []);
    assert.deepEqual(await s.links.broken(10), { count: 0, links: [] });
  });

  withStorage('inbound: how many other documents link to each path (each counted once, itself never)', async (s) => {
    await s.documents.apply([
      docWrite('t.md', '# T\n\nMyself: [me](t.md).\n'),
      docWrite('u.md', '# U\n\ntext\n'),
      docWrite('lonely.md', '# Lonely\n\ntext\n'),
      docWrite('a.md', '# A\n\n[t](t.md), [[T]] and [t again](t.html).\n\n[u](u.md)\n'),
      docWrite('b.md', '# B\n\n[t](./t.md)\n'),
    ]);
    assert.deepEqual(await s.links.inbound(['t.md', 'u.md', 'lonely.md', 'nowhere.md', 't.md']), new Map([['t.md', 2], ['u.md', 1]]));
    assert.deepEqual(await s.links.inbound([]), new Map());
  });

  withStorage('a folder and a page of the same name are told apart; a link that may name either takes the page, else the folder', async (s) => {
    await s.documents.apply([
      docWrite('docs.md', '# Docs page\n\ntext\n'),
      docWrite('docs/README.md', '# Docs readme\n\ntext\n'),
      docWrite('docs/index.md', '# Docs index\n\ntext\n'),
      docWrite('a/Note.md', '# Note A\n\ntext\n'),
      docWrite('b/Note.md', '# Note B\n\ntext\n'),
      docWrite('other.md', '# Other\n\n[folder](docs/), [page](docs.md) and [bare](docs).\n\n[[b/Note]] and [[Note]].\n'),
    ]);
    const reached = async () => (await s.links.from('other.md')).map((l) => [l.text, l.targetPath ?? null]);
    assert.deepEqual(await reached(), [
      // The folder's README and index both have its key: the shorter path is the one reached.
      ['folder', 'docs/index.md'], ['page', 'docs.md'], ['bare', 'docs.md'], ['b/Note', 'b/Note.md'], ['Note', 'a/Note.md'],
    ]);
    // Backlinks agree with where each link goes: each link is a backlink of one document.
    assert.deepEqual((await s.links.to('docs/index.md', 10)).map((l) => l.text), ['folder']);
    assert.deepEqual(await s.links.to('docs/README.md', 10), []);
    assert.deepEqual((await s.links.to('docs.md', 10)).map((l) => l.text), ['page', 'bare']);
    assert.deepEqual((await s.links.to('b/Note.md', 10)).map((l) => l.text), ['b/Note']);
    assert.deepEqual((await s.links.to('a/Note.md', 10)).map((l) => l.text), ['Note']);
    assert.deepEqual(await s.links.counts('docs.md'), { to: 2, from: 0 });
    assert.deepEqual(await s.links.counts('other.md'), { to: 0, from: 5 });
    assert.equal((await s.links.broken(10)).count, 0);
    // Without the page, the bare link falls back to the folder; without the folder's documents the page link breaks.
    const [page] = (await s.documents.indexedFiles()).filter((f) => f.path === 'docs.md');
    await s.documents.apply([{ kind: 'delete', file: page }]);
    assert.deepEqual(await reached(), [['folder', 'docs/index.md'], ['page', null], ['bare', 'docs/index.md'], ['b/Note', 'b/Note.md'], ['Note', 'a/Note.md']]);
    assert.deepEqual((await s.links.to('docs/index.md', 10)).map((l) => l.text), ['folder', 'bare']);
    assert.deepEqual([...(await s.links.inbound(['docs/index.md']))], [['docs/index.md', 1]]);
    assert.deepEqual((await s.links.broken(10)).links.map((l) => l.text), ['page']);
  });

  withStorage('another index (another file, or another project on the server) is not linked to', async (s) => {
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-conformance-'));
    const other = await target.open(otherDir);
    try {
      await other.documents.apply([docWrite('b.md', '# B\n\nTo [a](a.md).\n'), docWrite('x.md', '# X\n\n[b](b.md)\n')]);
      await s.documents.apply([docWrite('a.md', '# A\n\nTo [b](b.md).\n')]);
      assert.deepEqual((await s.links.broken(10)).links.map(at), ['a.md:3:b.md']);
      assert.equal((await s.links.from('a.md'))[0].targetPath, undefined);
      assert.deepEqual((await other.links.to('b.md', 10)).map(at), ['x.md:3:b.md']);
      assert.deepEqual(await other.links.inbound(['b.md']), new Map([['b.md', 1]]), "x.md's link, not a.md's");
      assert.deepEqual(await s.links.inbound(['a.md', 'b.md']), new Map(), "b.md is the other index's: nothing here reaches it, and nothing reaches a.md");
      assert.deepEqual((await s.links.to('a.md', 10)), []);
      assert.deepEqual((await other.links.broken(10)).links.map(at), ['b.md:3:a.md']);
    } finally {
      await other.close();
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });
}
