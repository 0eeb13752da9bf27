import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentKeys, headingAnchors, headingSlug, isDocumentKey, linkKey, resolveLinkPath } from '../../src/core/links/resolve';

const inline = (target: string) => ({ kind: 'inline' as const, target });

describe('where a link goes', () => {
  it('resolves relative, rooted and parent paths inside the workspace only', () => {
    assert.equal(resolveLinkPath('docs/a/b.md', '../c.md'), 'docs/c.md');
    assert.equal(resolveLinkPath('docs/a/b.md', './d/e.md'), 'docs/a/d/e.md');
    assert.equal(resolveLinkPath('docs/a/b.md', '/top.md'), 'top.md');
    assert.equal(resolveLinkPath('docs/b.md', '../../out.md'), undefined);
    assert.equal(resolveLinkPath('docs/b.md', ''), 'docs/b.md');
  });

  it('meets a document whether the link names its built page, its source or neither', () => {
    const doc = documentKeys('src/ch04-01-x.md');
    for (const t of ['ch04-01-x.html', 'ch04-01-x.md', 'ch04-01-x', './ch04-01-x.htm']) assert.ok(doc.includes(linkKey('src/ch01.md', inline(t))!), t);
    assert.ok(!doc.includes(linkKey('src/ch01.md', inline('ch04-01-y.html'))!));
  });

  it('meets a README or index through its folder', () => {
    assert.ok(documentKeys('docs/README.md').includes(linkKey('a.md', inline('docs/'))!));
    assert.ok(documentKeys('docs/guide/index.md').includes(linkKey('docs/x.md', inline('guide'))!));
    assert.ok(documentKeys('README.md').includes(linkKey('docs/x.md', inline('../'))!));
  });

  it('meets a wikilink by the document name, in any folder, case aside', () => {
    assert.ok(documentKeys('notes/deep/Wiki Note.md').includes(linkKey('a.md', { kind: 'wikilink', target: 'wiki note' })!));
    assert.ok(documentKeys('notes/Wiki Note.md').includes(linkKey('a.md', { kind: 'wikilink', target: 'other/Wiki Note' })!));
  });

  it('keeps files that are not documents apart', () => {
    const key = linkKey('docs/a.md', inline('img/x.png'))!;
    assert.equal(key, '=docs/img/x.png');
    assert.equal(isDocumentKey(key), false);
    assert.equal(isDocumentKey(linkKey('docs/a.md', { kind: 'wikilink', target: 'diagram.svg' })!), false);
    assert.equal(linkKey('a.md', inline('../outside.md')), undefined);
  });

  it('slugs headings as GitHub and mdBook do, numbering repeats', () => {
    assert.equal(headingSlug('Rules of `Ownership`!'), 'rules-of-ownership');
    assert.equal(headingSlug('The Stack and the Heap'), 'the-stack-and-the-heap');
    assert.equal(headingSlug('Über café_2 - notes'), 'über-café_2---notes');
    const lines = ['# Intro', '```', '# not a heading', '```', '## Usage', '## Usage', '### `Box<T>` Like a Reference', '### Using `Box<T>` Like a *Reference*'].map((text, i) => ({ line: i + 1, text }));
    const anchors = headingAnchors(lines);
    assert.deepEqual([...anchors], [['intro', 1], ['usage', 5], ['usage-1', 6], ['boxt-like-a-reference', 7], ['using-boxt-like-a-reference', 8]]);
    // Headings in block quotes, and the HTML anchors books keep for renamed headings.
    const more = headingAnchors(['> ### The Stack and the Heap', '', '<a id="old-name"></a>', '', '## New Name'].map((text, i) => ({ line: i + 1, text })));
    assert.deepEqual([...more], [['the-stack-and-the-heap', 1], ['old-name', 3], ['new-name', 5]]);
  });
});
