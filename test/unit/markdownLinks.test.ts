import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMarkdown } from '../../src/core/markdown/parse';
import { MAX_LINKS } from '../../src/core/markdown/links';

const brief = (md: string, path = 'src/ch01.md') =>
  parseMarkdown(md, path).links.map((l) => [l.line, l.kind, l.target, l.fragment, l.text]);

describe('links read by the parser', () => {
  it('finds inline, reference, image and wiki links with their lines', () => {
    const md = [
      '# Title', // 1
      '', // 2
      'See [ownership](ch04-01-what-is-ownership.html#the-stack-and-the-heap) and [the ref][r].', // 3
      'Also [[Other Note#Sec|alias]] and ![diagram](img/a.png "t").', // 4
      '', // 5
      '[r]: ./ref.md', // 6
    ].join('\n');
    assert.deepEqual(brief(md), [
      [3, 'inline', 'ch04-01-what-is-ownership.html', 'the-stack-and-the-heap', 'ownership'],
      [3, 'reference', './ref.md', '', 'the ref'],
      [4, 'wikilink', 'Other Note', 'Sec', 'alias'],
      [4, 'image', 'img/a.png', '', 'diagram'],
    ]);
  });

  it('keeps the linking line, trimmed, as the preview', () => {
    const [link] = parseMarkdown('Intro.\n\n   Read [the guide](guide.md) first.   \n', 'a.md').links;
    assert.equal(link.context, 'Read [the guide](guide.md) first.');
    const long = parseMarkdown(`[x](x.md) ${'word '.repeat(100)}`, 'a.md').links[0].context;
    assert.equal(long.length, 200);
    assert.ok(long.endsWith('…'));
  });

  it('reads links in lists, quotes, tables and headings at their own lines', () => {
    const md = [
      '- item with [one](../docs/one.md)', // 1
      '  continued [two](./two.md)', // 2
      '', // 3
      '> quoted [three](three.md)', // 4
      '', // 5
      '| a | b |', // 6
      '|---|---|', // 7
      '| [four](four.md) | x |', // 8
      '', // 9
      '## Heading [five](five.md)', // 10
    ].join('\n');
    assert.deepEqual(brief(md).map(([line, , target]) => [line, target]), [
      [1, '../docs/one.md'], [2, './two.md'], [4, 'three.md'], [8, 'four.md'], [10, 'five.md'],
    ]);
  });

  it('never reads links in code, and leaves out URLs and links within the document', () => {
    const md = [
      '```md', '[fenced](fenced.md)', '```', '',
      '    [indented](indented.md)', '',
      'Inline `[code](code.md)` and `[[Code Wiki]]`, [web](https://example.com), [mail](mailto:a@b.c),',
      '[anchor](#part), [[#Heading]], <a href="html.md">html</a> and [real](real.md).',
    ].join('\n');
    assert.deepEqual(brief(md).map(([, , target]) => target), ['real.md']);
  });

  it('decodes percent-escapes and drops a query', () => {
    assert.deepEqual(brief('[x](My%20Notes/a%20b.md?plain=1#Some%20Part)').map(([, , t, f]) => [t, f]), [['My Notes/a b.md', 'Some Part']]);
  });

  it('keeps a reference link only when its definition exists', () => {
    assert.deepEqual(brief('[known][k] and [unknown][u]\n\n[k]: k.md').map(([, kind, t]) => [kind, t]), [['reference', 'k.md']]);
  });

  it('stops at MAX_LINKS in a generated document', () => {
    const md = Array.from({ length: MAX_LINKS + 10 }, (_, i) => `[l${i}](d${i}.md)`).join('\n\n');
    assert.equal(parseMarkdown(md, 'big.md').links.length, MAX_LINKS);
  });

  it('counts lines as the file ends them (\\r\\n, or a lone \\r of classic Mac files)', () => {
    const lines = ['# T', '', 'one [a](a.md)', 'two [[B]]', '', 'three [c](c.md)'];
    for (const eol of ['\n', '\r\n', '\r']) {
      const links = parseMarkdown(lines.join(eol), 'x.md').links;
      assert.deepEqual(links.map((l) => [l.line, l.target, l.context]), [[3, 'a.md', 'one [a](a.md)'], [4, 'B', 'two [[B]]'], [6, 'c.md', 'three [c](c.md)']], JSON.stringify(eol));
    }
  });

  it('a heading or table cell that would open a block elsewhere does not swallow the links after it', () => {
    const md = ['# ```rust [x](x.md)', '', '# <!-- [h](h.md)', '', '| <pre> [p](p.md) |', '|---|', '', 'later [y](y.md)', '', 'more [z](z.md)'].join('\n');
    assert.deepEqual(brief(md).map(([line, , target]) => [line, target]), [[1, 'x.md'], [3, 'h.md'], [5, 'p.md'], [8, 'y.md'], [10, 'z.md']]);
  });

  it('reads a long paragraph of wikilinks (an index note) at each line, up to MAX_LINKS', () => {
    const md = Array.from({ length: 20_000 }, (_, i) => `word [[note${i}]] text`).join('\n');
    const links = parseMarkdown(md, 'index.md').links;
    assert.equal(links.length, MAX_LINKS);
    assert.deepEqual([links[0].line, links[0].target], [1, 'note0']);
    assert.deepEqual([links[MAX_LINKS - 1].line, links[MAX_LINKS - 1].target], [MAX_LINKS, `note${MAX_LINKS - 1}`]);
  });

  it('leaves out a target no one wrote by hand (over 1,000 characters) and keeps link texts short', () => {
    const links = parseMarkdown(`[${'t'.repeat(500)}](ok.md) [[${'x'.repeat(3000)}]] [long](${'y'.repeat(1200)}.md)`, 'a.md').links;
    assert.deepEqual(links.map((l) => [l.target, l.text.length]), [['ok.md', 200]]);
  });

  it('a document chunked by lines (too deeply nested to parse) still indexes, with no links', () => {
    const md = `${'> '.repeat(120)}[deep](deep.md)\n`;
    const doc = parseMarkdown(md, 'deep.md');
    assert.ok(doc.chunks.length > 0);
    assert.deepEqual(doc.links, []);
  });
});
