import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { inferDocumentType, parseMarkdown, titleFromPath } from '../../src/core/markdown/parse';
import type { ParsedDocument } from '../../src/core/types';

const RUST_BOOK = '/work/shared/corpora/rust-book/src';

function sourceLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
}

/** The promise made to consumers: open the file at startLine and see exactly chunk.text. */
function assertExactLines(text: string, doc: ParsedDocument, label = ''): void {
  const lines = sourceLines(text);
  let previousEnd = 0;
  doc.chunks.forEach((c, i) => {
    const where = `${label} chunk ${i} (${c.startLine}-${c.endLine})`;
    assert.equal(c.ordinal, i, where);
    assert.ok(c.startLine >= 1 && c.startLine <= c.endLine && c.endLine <= lines.length, where);
    assert.ok(c.startLine > previousEnd, `${where} overlaps the previous chunk`);
    previousEnd = c.endLine;
    assert.equal(c.text, lines.slice(c.startLine - 1, c.endLine).join('\n'), where);
    assert.notEqual(lines[c.startLine - 1].trim(), '', `${where} starts on a blank line`);
    assert.notEqual(lines[c.endLine - 1].trim(), '', `${where} ends on a blank line`);
    assert.equal(c.contentHash, createHash('sha256').update(c.text).digest('hex'), where);
  });
}

function paths(doc: ParsedDocument): string[] {
  return doc.chunks.map((c) => c.headingPath);
}

test('title: front matter beats the first H1, which beats a first heading no other is above, which beats the file name', async () => {
  const withFm = parseMarkdown('---\ntitle: "  Release Plan  "\n---\n# Heading Title\n\nBody.\n', 'docs/plan.md');
  assert.equal(withFm.title, 'Release Plan');
  assert.equal(withFm.titleSource, 'frontmatter');

  const emptyFmTitle = parseMarkdown('---\ntitle: "   "\n---\n## Intro\n\n# The **Real** Title\n\nBody.\n', 'a.md');
  assert.equal(emptyFmTitle.title, 'The Real Title');
  assert.equal(emptyFmTitle.titleSource, 'heading');

  // A book's sub-chapter opens with "## Title" and has only deeper headings after it.
  const subChapter = parseMarkdown('## What Is Ownership?\n\nBody.\n\n### The Stack\n\nMore.\n', 'src/ch04-01-what-is-ownership.md');
  assert.equal(subChapter.title, 'What Is Ownership?');
  assert.equal(subChapter.titleSource, 'heading');

  // A first heading that a later one is above is a section, not the title.
  const section = parseMarkdown('### Not a title\n\nBody.\n\n## Later\n', 'docs/getting-started.md');
  assert.equal(section.title, 'getting-started');
  assert.equal(section.titleSource, 'file');
  assert.equal(parseMarkdown('Just text.\n', 'docs/notes.md').titleSource, 'file');

  assert.equal(titleFromPath('docs/Getting-Started.MD'), 'Getting-Started');
  assert.equal(titleFromPath('notes/ideas.markdown'), 'ideas');
  assert.equal(titleFromPath('site/page.mdx'), 'page');
});

test('document type is inferred from whole path tokens', async () => {
  const cases: Array<[string, string]> = [
    ['README.md', 'readme'],
    ['docs/adr/README.md', 'readme'],
    ['CHANGELOG.md', 'changelog'],
    ['HISTORY.md', 'changelog'],
    ['docs/v2-release-notes.md', 'changelog'],
    ['docs/adr/0001-use-sqlite.md', 'adr'],
    ['docs/adr/0003-design-of-the-cache.md', 'adr'],
    ['docs/decisions/use-postgres.md', 'adr'],
    ['docs/architecture/decisions/0002-queue.md', 'adr'],
    ['ADR-007-logging.md', 'adr'],
    ['docs/design/cache.md', 'design'],
    ['docs/architecture.md', 'design'],
    ['rfcs/0042-async.md', 'spec'],
    ['docs/api-spec.md', 'spec'],
    ['plans/q3.md', 'plan'],
    ['ROADMAP.md', 'plan'],
    ['docs/incident-response-plan.md', 'plan'],
    ['reports/2024-03-outage-postmortem.md', 'report'],
    ['docs/retro/sprint-12.md', 'report'],
    ['planet.md', 'note'],
    ['docs/designer-notes.md', 'note'],
    ['docs/specsheet.md', 'note'],
    ['notes/random.md', 'note'],
    ['design/plans/q4.md', 'plan'], // deeper folder wins
    ['plans/design-review.md', 'design'], // file name beats folder
  ];
  for (const [p, expected] of cases) assert.equal(inferDocumentType(p), expected, p);
});

test('document type from front matter: type field, then the first tag naming a type', async () => {
  const typed = parseMarkdown('---\ntype: " Design "\ntags: [adr]\n---\nBody\n', 'notes/x.md');
  assert.equal(typed.documentType, 'design');
  assert.equal(typed.typeSource, 'frontmatter');

  const custom = parseMarkdown('---\ntype: Meeting-Minutes\n---\nBody\n', 'x.md');
  assert.equal(custom.documentType, 'meeting-minutes');

  const tags = parseMarkdown('---\ntags: [backend, ADRs, plans]\n---\nBody\n', 'notes/x.md');
  assert.equal(tags.documentType, 'adr');
  assert.equal(tags.typeSource, 'frontmatter');

  const tagString = parseMarkdown('---\ntags: "draft, Plans"\n---\nBody\n', 'notes/x.md');
  assert.equal(tagString.documentType, 'plan');

  const noMatch = parseMarkdown('---\ntags: [backend]\n---\nBody\n', 'docs/adr/0001-x.md');
  assert.equal(noMatch.documentType, 'adr');
  assert.equal(noMatch.typeSource, 'path');
});

test('heading paths follow depth, with skipped levels and plain heading text', async () => {
  const text = [
    '# Guide', '', 'Intro.', '', '### Linux', '', 'Use apt.', '',
    '## Install **on** `macOS` [docs](https://x.test) ##', '', 'Use brew.', '',
    '# Reference', '', '## API', '', 'Calls.',
  ].join('\n');
  const doc = parseMarkdown(text, 'guide.md');
  assert.deepEqual(paths(doc), ['Guide', 'Guide > Linux', 'Guide > Install on macOS docs', 'Reference > API']);
  assert.equal(doc.title, 'Guide');
  assertExactLines(text, doc);
  assert.equal(doc.chunks[1].startLine, 5);
  assert.equal(doc.chunks[1].endLine, 7);
});

test('heading text drops inline markup but keeps escaped characters and entities', async () => {
  const text = '# Use \\*stars\\* and <kbd>Ctrl</kbd> &amp; [ref][r] ![img](x.png)\n\ntext\n\n## The `match` ``a`b`` arm\n\nmore\n\n[r]: https://x.test\n';
  const doc = parseMarkdown(text, 'x.md');
  assert.equal(doc.title, 'Use *stars* and Ctrl & ref img');
  assert.deepEqual(paths(doc), ['Use *stars* and Ctrl & ref img', 'Use *stars* and Ctrl & ref img > The match a`b arm']);
});

test('content before the first heading has an empty heading path; heading-only sections are folded', async () => {
  const text = 'Preamble line.\n\n# Guide\n## Install\n\nSteps.\n';
  const doc = parseMarkdown(text, 'x.md');
  assert.deepEqual(doc.chunks.map((c) => [c.headingPath, c.startLine, c.endLine]), [['', 1, 1], ['Guide > Install', 4, 6]]);
  assertExactLines(text, doc);
});

test('a fenced code block with "# lines" is not split into sections', async () => {
  const text = '# Setup\n\nRun:\n\n```sh\n# not a heading\necho hi\n```\n\n~~~\n## also not\n~~~\n';
  const doc = parseMarkdown(text, 'x.md');
  assert.equal(doc.chunks.length, 1);
  assert.equal(doc.chunks[0].headingPath, 'Setup');
  assert.match(doc.chunks[0].text, /# not a heading/);
  assert.equal(doc.chunks[0].endLine, 12);
  assertExactLines(text, doc);
});

test('headings inside blockquotes and lists are not section breaks', async () => {
  const text = '# Top\n\n> # Quoted heading\n> text\n\n- item\n\n  ## Heading in item\n\nafter\n';
  const doc = parseMarkdown(text, 'x.md');
  assert.deepEqual(paths(doc), ['Top']);
  assertExactLines(text, doc);
});

test('setext headings start sections', async () => {
  const text = 'Main Title\n==========\n\nIntro text.\n\nSub *part*\n----------\n\nBody text.\n';
  const doc = parseMarkdown(text, 'x.md');
  assert.equal(doc.title, 'Main Title');
  assert.deepEqual(doc.chunks.map((c) => [c.headingPath, c.startLine, c.endLine]), [
    ['Main Title', 1, 4],
    ['Main Title > Sub part', 6, 9],
  ]);
  assertExactLines(text, doc);
});

test('a GFM table is kept whole when it fits', async () => {
  const para = 'Some context sentence about the numbers below. '.repeat(10).trim();
  const rows = Array.from({ length: 12 }, (_, i) => `| row ${i} | value ${i * 7} | note ${i} |`);
  const text = ['## Numbers', '', para, '', '| name | value | note |', '| :--- | ---: | --- |', ...rows, '', 'Closing words.'].join('\n');
  const doc = parseMarkdown(text, 'x.md', { maxChunkChars: 700 });
  const tableChunk = doc.chunks.find((c) => c.text.includes('| name | value | note |'));
  assert.ok(tableChunk);
  assert.ok(tableChunk.text.includes('| row 11 |'), 'whole table in one chunk');
  assert.ok(doc.chunks.every((c) => c.headingPath === 'Numbers'));
  assertExactLines(text, doc);
});

test('a long section splits under the limit and never across headings', async () => {
  const paras = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} `.padEnd(180, 'x.'));
  const text = ['# Doc', '', '## Long', '', ...paras.flatMap((p) => [p, '']), '## Short', '', 'Tiny.'].join('\n');
  const doc = parseMarkdown(text, 'x.md', { maxChunkChars: 600 });
  const long = doc.chunks.filter((c) => c.headingPath === 'Doc > Long');
  assert.ok(long.length >= 9, `split into ${long.length}`);
  assert.ok(long[0].text.startsWith('## Long'));
  for (const c of doc.chunks) {
    assert.ok(c.text.length <= 600, `chunk of ${c.text.length} chars`);
    assert.ok((c.text.match(/^## /gm) ?? []).length <= 1, 'one heading per chunk at most');
  }
  assert.deepEqual(doc.chunks.at(-1)?.headingPath, 'Doc > Short');
  assertExactLines(text, doc);
});

test('a list bigger than the limit splits at item boundaries', async () => {
  const items = Array.from({ length: 40 }, (_, i) => `- item ${i}: ${'word '.repeat(15).trim()}\n  continued ${i}`);
  const text = ['## List', '', ...items].join('\n');
  const doc = parseMarkdown(text, 'x.md', { maxChunkChars: 500 });
  assert.ok(doc.chunks.length > 5);
  for (const c of doc.chunks.slice(1)) assert.match(c.text, /^- item \d+/);
  for (const c of doc.chunks) assert.match(c.text, /continued \d+$/);
  assertExactLines(text, doc);
});

test('a code block bigger than the limit splits at line boundaries', async () => {
  const code = Array.from({ length: 200 }, (_, i) => `let value_${i} = compute(${i});`);
  const text = ['# Code', '', '```rust', ...code, '```'].join('\n');
  const doc = parseMarkdown(text, 'x.md', { maxChunkChars: 800 });
  assert.ok(doc.chunks.length > 5);
  for (const c of doc.chunks) assert.ok(c.text.length <= 800);
  assert.equal(doc.chunks.at(-1)?.endLine, 204);
  assertExactLines(text, doc);
});

test('\\r\\n line endings and a BOM keep line numbers and text', async () => {
  const text = '---\ntitle: T\n---\n# A\n\none\ntwo\n\n## B\n\nthree\n';
  const plain = parseMarkdown(text, 'x.md');
  const crlf = parseMarkdown('\uFEFF' + text.replace(/\n/g, '\r\n'), 'x.md');
  assert.deepEqual(crlf, plain);
  assert.deepEqual(plain.chunks.map((c) => [c.startLine, c.endLine, c.text]), [[4, 7, '# A\n\none\ntwo'], [9, 11, '## B\n\nthree']]);
  assertExactLines('\uFEFF' + text.replace(/\n/g, '\r\n'), crlf);
});

test('front matter is excluded from chunks; metadata is JSON-safe', async () => {
  const text = '---\ntitle: Doc\ndate: 2024-05-01\nnested:\n  list: [1, two, true]\nempty:\n---\n\nBody here.\n';
  const doc = parseMarkdown(text, 'x.md');
  assert.deepEqual(doc.metadata, { title: 'Doc', date: '2024-05-01', nested: { list: [1, 'two', true] }, empty: null });
  assert.deepEqual(JSON.parse(JSON.stringify(doc.metadata)), doc.metadata);
  assert.deepEqual(doc.chunks.map((c) => [c.startLine, c.text]), [[9, 'Body here.']]);
  assert.deepEqual(doc.warnings, []);
});

test('invalid YAML front matter gives a warning and the document is still chunked', async () => {
  const text = '---\ntitle: [unclosed\nowner: me\n---\n# Real Title\n\nBody.\n';
  const doc = parseMarkdown(text, 'x.md');
  assert.deepEqual(doc.metadata, {});
  assert.equal(doc.warnings.length, 1);
  assert.match(doc.warnings[0], /^front matter is not valid YAML: .+ \(line \d+\)$/);
  assert.equal(doc.title, 'Real Title');
  assert.deepEqual(doc.chunks.map((c) => [c.startLine, c.endLine]), [[5, 7]]);
});

test('TOML front matter is read minimally', async () => {
  const text = '+++\ntitle = "Hugo Page"\ndraft = false\nweight = 3\ntags = [\n  "plan",\n  "infra",\n]\nodd = { a = 1 }\n+++\nBody.\n';
  const doc = parseMarkdown(text, 'x.md');
  assert.equal(doc.title, 'Hugo Page');
  assert.equal(doc.documentType, 'plan');
  assert.deepEqual(doc.metadata, { title: 'Hugo Page', draft: false, weight: 3, tags: ['plan', 'infra'] });
  assert.equal(doc.warnings.length, 1);
  assert.deepEqual(doc.chunks.map((c) => c.startLine), [11]);
});

test('empty and whitespace-only files have no chunks and a file title', async () => {
  for (const text of ['', '   \n\n\t\n', '\uFEFF']) {
    const doc = parseMarkdown(text, 'docs/empty-notes.md');
    assert.deepEqual(doc.chunks, []);
    assert.equal(doc.title, 'empty-notes');
    assert.equal(doc.titleSource, 'file');
  }
});

test('a file of only headings still yields its headings', async () => {
  const text = '# Guide\n\n## Install\n\n## Usage\n';
  const doc = parseMarkdown(text, 'x.md');
  assert.deepEqual(doc.chunks.map((c) => [c.headingPath, c.text]), [['Guide', '# Guide'], ['Guide > Install', '## Install'], ['Guide > Usage', '## Usage']]);
  assertExactLines(text, doc);
});

test('html blocks, definitions and footnotes chunk correctly', async () => {
  const text = '<!-- comment -->\n\n<div align="center">\n  <img src="x.png">\n</div>\n\n# T\n\nSee [x][1].[^n]\n\n[1]: https://x.test\n[^n]: A footnote\n    continued.\n';
  const doc = parseMarkdown(text, 'x.md');
  // The comment and the image-only <div> carry no text: they join the section that follows them.
  assert.deepEqual(doc.chunks.map((c) => [c.headingPath, c.startLine, c.endLine]), [['T', 1, 13]]);
  assertExactLines(text, doc);
});

/** Text outside HTML comments and tags; empty for a chunk of nothing but markup. */
function textOutsideMarkup(text: string): string {
  return text.replace(/<!--[\s\S]*?(?:-->|$)/g, '').replace(/<[!?/]?[A-Za-z][^<>]*>/g, '').trim();
}

test('markup with no text before a heading joins that heading\'s chunk', async () => {
  const text = '<!-- c -->\n\n<a id="x"></a>\n\n## Head\n\nBody text here.';
  const doc = parseMarkdown(text, 'x.md');
  assert.deepEqual(doc.chunks.map((c) => [c.headingPath, c.startLine, c.endLine]), [['Head', 1, 7]]);
  assertExactLines(text, doc);

  // Mid-document: the anchor ends a section whose chunk is full, and moves on to the next heading.
  const para = 'Words about the first topic go here and fill the chunk. '.repeat(5).trim();
  const mid = ['# Doc', '', '## One', '', para, '', '<!-- Old headings. -->', '<a id="old-two"></a>', '', '## Two', '', 'Second section body with enough words in it.'].join('\n');
  const midDoc = parseMarkdown(mid, 'x.md', { maxChunkChars: para.length + 20 });
  assert.deepEqual(midDoc.chunks.map((c) => [c.headingPath, c.startLine, c.endLine]), [['Doc > One', 3, 5], ['Doc > Two', 7, 12]]);
  assertExactLines(mid, midDoc);

  // Markup that ends the last section has nowhere to go and stays; heading-only sections in between are crossed.
  const tail = '<a id="top"></a>\n\n# Guide\n\n## Install\n\nSteps to install it.\n\n<!-- end -->\n';
  const tailDoc = parseMarkdown(tail, 'x.md');
  assert.deepEqual(tailDoc.chunks.map((c) => [c.headingPath, c.startLine, c.endLine]), [['Guide > Install', 1, 9]]);
  assertExactLines(tail, tailDoc);
});

test('a document of nothing but markup still yields a chunk', async () => {
  for (const text of ['<!-- only a comment -->\n', '<a id="x"></a>\n\n<!-- and a comment -->', '<!-- c -->\n\n# Guide\n\n## Install\n']) {
    const doc = parseMarkdown(text, 'x.md');
    assert.equal(doc.chunks.length, 1, JSON.stringify(text));
    assert.equal(doc.chunks[0].startLine, 1);
    assertExactLines(text, doc, JSON.stringify(text));
  }
  assert.equal(parseMarkdown('<!-- c -->\n\n# Guide\n\n## Install\n', 'x.md').chunks[0].headingPath, 'Guide > Install');
});

test('a tiny fragment merges with the next chunk of its section, else the previous one', async () => {
  const para = 'A sentence long enough to count as real text for sure. '.repeat(6).trim();
  const max = para.length + 10;
  // "Run:" is glued to the heading, the long paragraph does not fit after it: that tiny chunk merges forward.
  const before = ['## Setup', '', 'Run:', '', para, '', para].join('\n');
  const b = parseMarkdown(before, 'x.md', { maxChunkChars: max });
  assert.deepEqual(b.chunks.map((c) => [c.startLine, c.endLine]), [[1, 5], [7, 7]]);
  assert.ok(b.chunks[0].text.length <= max + '## Setup\n\nRun:\n\n'.length, 'exceeds the limit by the tiny fragment only');
  assertExactLines(before, b);
  // A tiny remainder at the end of a section merges backward, never into the next section.
  const after = ['## Setup', '', para, '', 'Done.', '', '## Next', '', 'x'].join('\n');
  const a = parseMarkdown(after, 'x.md', { maxChunkChars: max });
  assert.deepEqual(a.chunks.map((c) => [c.headingPath, c.startLine, c.endLine]), [['Setup', 1, 5], ['Next', 7, 9]]);
  assertExactLines(after, a);
  // A section's only chunk is kept, however small.
  const alone = parseMarkdown('Preamble.\n\n## Short\n\nTiny.\n', 'x.md');
  assert.deepEqual(alone.chunks.map((c) => [c.headingPath, c.startLine, c.endLine]), [['', 1, 1], ['Short', 3, 5]]);
});

test('never throws on hostile input', async () => {
  const inputs = [
    '>'.repeat(5000) + ' deep', '['.repeat(20000), '- '.repeat(3000) + 'x', '```\nunclosed\n# x\n',
    '---\n---\n', '+++\n', '\r\r\r# a\r\rb\r', '\u0000\uFFFF\uD800', '#'.repeat(10) + ' too many', '| a |\n|---|\n' + '| x '.repeat(3000),
    'x'.repeat(20000), '  # indented heading\n\n    # code heading\n',
  ];
  for (const text of inputs) {
    const doc = parseMarkdown(text, 'weird.md', { maxChunkChars: 200 });
    assertExactLines(text, doc, JSON.stringify(text.slice(0, 20)));
  }
  const deep = Array.from({ length: 300 }, (_, i) => `${' '.repeat(2 * i)}- level ${i}`).join('\n');
  const started = Date.now();
  const doc = parseMarkdown('# Deep\n\n' + deep, 'deep.md');
  assert.ok(Date.now() - started < 2000, 'deeply nested lists do not stall the parser');
  assert.match(doc.warnings[0] ?? '', /chunked by lines/);
  assert.equal(doc.chunks[0].headingPath, 'Deep');
  assertExactLines('# Deep\n\n' + deep, doc);
});

function generateDocument(targetChars: number): string {
  const out: string[] = ['---', 'title: Generated', 'tags: [report]', '---', ''];
  let n = 0;
  const words = (k: number) => Array.from({ length: k }, (_, i) => ['alpha', 'beta', 'gamma', 'delta', 'sqlite'][(i * 7 + n) % 5]).join(' ');
  while (out.join('\n').length < targetChars) {
    n++;
    out.push(`${'#'.repeat(1 + (n % 4))} Section ${n} \`code\``, '');
    out.push(words(20 + (n % 50)), words(30), '');
    if (n % 3 === 0) out.push(...Array.from({ length: 10 + (n % 30) }, (_, i) => `- item ${i} ${words(12)}`), '');
    if (n % 5 === 0) out.push('```js', ...Array.from({ length: 5 + (n % 90) }, (_, i) => `# comment ${i}; const v${i} = ${i};`), '```', '');
    if (n % 7 === 0) out.push('| a | b |', '| --- | --- |', ...Array.from({ length: 8 }, (_, i) => `| ${i} | ${words(6)} |`), '');
    if (n % 11 === 0) out.push('> quote ' + words(40), '> more', '');
    if (n % 37 === 0) out.push(words(900), ''); // a single giant line
  }
  return out.join('\n');
}

test('a 300 KB generated document: chunks within 2x the limit and all content covered', async () => {
  const text = generateDocument(300_000);
  const max = 1500;
  const doc = parseMarkdown(text, 'reports/big.md', { maxChunkChars: max });
  assert.equal(doc.title, 'Generated');
  assert.equal(doc.documentType, 'report');
  assertExactLines(text, doc);
  for (const c of doc.chunks) {
    const giantLine = c.text.split('\n').some((l) => l.length > max);
    if (!giantLine) assert.ok(c.text.length <= 2 * max, `chunk ${c.ordinal} has ${c.text.length} chars`);
  }
  const lines = sourceLines(text);
  const covered = new Uint8Array(lines.length + 1);
  for (const c of doc.chunks) for (let l = c.startLine; l <= c.endLine; l++) covered[l] = 1;
  for (let l = 6; l <= lines.length; l++) {
    if (lines[l - 1].trim() !== '') assert.equal(covered[l], 1, `line ${l} not covered: ${lines[l - 1].slice(0, 60)}`);
  }
  for (let l = 1; l <= 4; l++) assert.equal(covered[l], 0, 'front matter is not chunked');
});

test('every file of the rust book parses with exact line ranges', async (t) => {
  if (!fs.existsSync(RUST_BOOK)) {
    t.skip(`${RUST_BOOK} not found`);
    return;
  }
  const files = fs.readdirSync(RUST_BOOK).filter((f) => f.endsWith('.md'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const text = fs.readFileSync(path.join(RUST_BOOK, f), 'utf8');
    const doc = parseMarkdown(text, `src/${f}`);
    assertExactLines(text, doc, f);
    if (text.trim() !== '') assert.ok(doc.chunks.length > 0, `${f} has chunks`);
    for (const c of doc.chunks) assert.doesNotMatch(c.headingPath, /[`*]|\]\(/, `${f}: ${c.headingPath}`);
    for (const c of doc.chunks) assert.notEqual(textOutsideMarkup(c.text), '', `${f}: chunk ${c.startLine}-${c.endLine} is only markup`);
  }
  const msg = fs.readFileSync(path.join(RUST_BOOK, 'ch16-02-message-passing.md'), 'utf8');
  const first = parseMarkdown(msg, 'src/ch16-02-message-passing.md').chunks[0];
  assert.equal(first.startLine, 1, 'the old-headings comment and anchor open the first section\'s chunk');
  assert.equal(first.headingPath, 'Transfer Data Between Threads with Message Passing');
  assert.match(first.text, /^<!-- Old headings[^\n]*\n\n<a id="[^"]+"><\/a>\n\n## Transfer Data/);
});
