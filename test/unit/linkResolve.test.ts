import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentKeys, headingAnchors, headingSlug, isDocumentKey, linkKeys, resolveLinkPath } from '../../src/core/links/resolve';

const linkKey = (source: string, link: Parameters<typeof linkKeys>[1]) => linkKeys(source, link).key;
/** Whether a document has the link's key, or (when it says so) the key it falls back to. */
const reaches = (doc: string, source: string, link: Parameters<typeof linkKeys>[1], via: 'key' | 'alt' = 'key') => documentKeys(doc).includes(linkKeys(source, link)[via] ?? '\u0000');

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

  it('meets a README or index through its folder, apart from a page of the same name', () => {
    assert.ok(reaches('docs/README.md', 'a.md', inline('docs/')));
    assert.ok(!reaches('docs.md', 'a.md', inline('docs/')), 'docs/ is the folder, not docs.md');
    assert.ok(reaches('docs.md', 'a.md', inline('docs.md')));
    assert.ok(!reaches('docs/README.md', 'a.md', inline('docs.md')));
    // "guide" may be guide.md or the guide folder: the page first, the folder when there is no page.
    assert.ok(reaches('docs/guide.md', 'docs/x.md', inline('guide')));
    assert.ok(reaches('docs/guide/index.md', 'docs/x.md', inline('guide'), 'alt'));
    // mdBook builds README.md as index.html.
    assert.ok(reaches('book/README.md', 'book/ch1.md', inline('index.html'), 'alt'));
    assert.ok(reaches('README.md', 'docs/x.md', inline('../')));
  });

  it('meets a wikilink by the document name, in any folder, case aside; one with a folder at that path first', () => {
    assert.ok(reaches('notes/deep/Wiki Note.md', 'a.md', { kind: 'wikilink', target: 'wiki note' }));
    assert.ok(reaches('b/Note.md', 'x/a.md', { kind: 'wikilink', target: 'b/Note' }));
    assert.ok(!reaches('a/Note.md', 'x/a.md', { kind: 'wikilink', target: 'b/Note' }), 'not the other Note by its path');
    assert.ok(reaches('a/Note.md', 'x/a.md', { kind: 'wikilink', target: 'b/Note' }, 'alt'), 'by its name only when no document is at b/Note');
    // A name with a dot is a note, not a file.
    assert.ok(reaches('notes/Release 1.2.md', 'a.md', { kind: 'wikilink', target: 'Release 1.2' }));
    assert.ok(reaches('journal/2024.01.05.md', 'a.md', { kind: 'wikilink', target: '2024.01.05' }));
  });

  it('keeps files that are not documents apart', () => {
    const key = linkKey('docs/a.md', inline('img/x.png'))!;
    assert.equal(key, '=docs/img/x.png');
    assert.equal(isDocumentKey(key), false);
    assert.equal(isDocumentKey(linkKey('docs/a.md', { kind: 'wikilink', target: 'diagram.svg' })!), false);
    assert.equal(isDocumentKey(linkKey('docs/a.md', { kind: 'wikilink', target: 'Release 1.2' })!), true);
    assert.equal(linkKey('a.md', inline('../outside.md')), '=../outside.md');
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
    // Setext headings, underscores inside words, and a fence closed only by one as long as it.
    const text = ['Setext Title', '============', '', '## my_function _name_', '', '````md', '```', '# not a heading', '```', '````', '', 'Second', '------'];
    assert.deepEqual([...headingAnchors(text.map((t, i) => ({ line: i + 1, text: t })))], [['setext-title', 1], ['my_function-name', 4], ['second', 12]]);
  });
});
