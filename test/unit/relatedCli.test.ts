// `lore related`, `lore links`, `lore links --broken` and the broken-link count of `lore status`,
// end to end on a small indexed folder with links of every kind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { formatLinks, formatRelated, style } from '../../src/cli/format';
import { main } from '../../src/cli/main';
import type { BrokenLinks, DocumentLinks, RelatedResult } from '../../src/core/related/types';
import { tempWorkspace, type TempWorkspace } from './helpers';

const REPO = path.resolve(__dirname, '..', '..');
const ENV = { ...(process.env as Record<string, string>), LORE_EMBED_PROVIDER: 'none' };

const FILES = {
  // Line 9 holds four links: to a built page's heading, to nothing, out of the workspace, to a heading that is not there.
  'guide/install.md': [
    '# Install',
    '',
    'How to install the tool.',
    '',
    '## Linux',
    '',
    'On Linux the zebra plugin needs libstripes; install libstripes with apt first.',
    '',
    'See [part two](config.html#part-two), [the missing page](nope.md), [another book](../../other/book/x.html) and [a gone heading](config.md#nowhere).',
    '',
  ].join('\n'),
  'guide/config.md': '# Configuration\n\nSettings live in one file.\n\n## Part two\n\nThe zebra plugin reads its libstripes settings from stripes.toml.\n',
  'notes/log.md': '# Log\n\nRead [the Linux steps](../guide/install.md#linux) again today.\n',
  'notes/groceries.md': '# Groceries\n\nBuy apples, pears and bread.\n',
  'notes/weather.md': '# Weather\n\nRain is expected tomorrow afternoon: ![the radar](radar.png).\n',
  'notes/music.md': '# Music\n\nPractice scales every morning.\n',
};

describe('lore related / lore links', () => {
  let ws: TempWorkspace;
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  /** With --dir: the index is the folder's, found like `lore search` finds it. */
  const inWs = (argv: string[]) => run([...argv, '--dir', ws.root, '--embed-provider', 'none']);

  before(async () => {
    ws = tempWorkspace(FILES);
    const r = await run(['index', ws.root, '--embed-provider', 'none']);
    assert.equal(r.code, 0, r.err);
  });
  after(() => ws.cleanup());

  it('related <path>:<line>: the section, similar passages by keywords with the words, links both ways', async () => {
    const r = await inWs(['related', 'guide/install.md:7']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'Install › Install > Linux  guide/install.md:5-9');
    const how = lines.find((l) => l.startsWith('Similar, by keywords: '));
    assert.ok(how, r.out);
    assert.ok(how.slice('Similar, by keywords: '.length).split(', ').includes('libstripes'), how);
    assert.match(r.out, /\(semantic search is not available: .+; keyword matches on the section's distinctive words\)/);
    // The most similar passage is the other document's section about the same plugin, with its snippet.
    assert.match(r.out, /\n {2}1\. guide\/config\.md:5-7 {2}Configuration › Configuration > Part two\n {5}## Part two The zebra plugin reads its libstripes settings from stripes\.toml\.\n/);
    assert.ok(!/\d\. guide\/install\.md/.test(r.out), 'the document itself is not similar to itself');
    // A backlink with the linking line as its preview, and the heading it points at.
    assert.match(r.out, /\nLinks to here \(1\)\n {2}notes\/log\.md:3 {2}Read \[the Linux steps\]\(\.\.\/guide\/install\.md#linux\) again today\. {2}\(#linux\)\n/);
    // config.html#part-two reaches guide/config.md at its "## Part two" heading (line 5).
    assert.match(r.out, /\nLinks from here \(4\)\n {2}9 -> guide\/config\.md:5 {2}"part two"\n/);
    assert.match(r.out, /\n {2}9 -> nope\.md {2}broken: reaches nothing {2}"the missing page"\n/);
    assert.match(r.out, /\n {2}9 -> \.\.\/\.\.\/other\/book\/x\.html {2}outside: leaves the workspace, not checked {2}"another book"\n/);
    assert.match(r.out, /\n {2}9 -> guide\/config\.md#nowhere {2}heading-missing: the document has no such heading {2}"a gone heading"\n/);
  });

  it('related --json: the whole result, parsed; --limit bounds the similar passages', async () => {
    const r = await inWs(['related', 'guide/install.md:7', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as RelatedResult;
    assert.equal(j.path, 'guide/install.md');
    assert.deepEqual(j.section, { headingPath: 'Install > Linux', startLine: 5, endLine: 9 });
    assert.equal(j.similar.method, 'keyword');
    assert.ok(j.similar.terms?.includes('libstripes'));
    assert.deepEqual(j.similar.passages[0], { ...j.similar.passages[0], path: 'guide/config.md', startLine: 5, endLine: 7, headingPath: 'Configuration > Part two' });
    assert.deepEqual(j.linksTo.map((l) => [l.path, l.line, l.fragment, l.context]), [['notes/log.md', 3, 'linux', 'Read [the Linux steps](../guide/install.md#linux) again today.']]);
    assert.deepEqual(
      j.linksFrom.map((l) => [l.line, l.target, l.fragment, l.state, l.path, l.targetLine]),
      [
        [9, 'config.html', 'part-two', 'document', 'guide/config.md', 5],
        [9, 'nope.md', '', 'broken', undefined, undefined],
        [9, '../../other/book/x.html', '', 'outside', undefined, undefined],
        [9, 'config.md', 'nowhere', 'heading-missing', 'guide/config.md', 1],
      ],
    );
    const one = JSON.parse((await inWs(['related', 'guide/install.md:7', '--json', '--limit', '1'])).out) as RelatedResult;
    assert.equal(one.similar.passages.length, 1);
  });

  it('links <path> (plain and --json); links --broken lists what reaches nothing and exits 1', async () => {
    const plain = await inWs(['links', 'guide/config.md']);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /^Configuration {2}guide\/config\.md\n\nLinks to here \(2\)\n {2}guide\/install\.md:9 {2}See \[part two\]\(config\.html#part-two\).* {2}\(#part-two\)\n {2}guide\/install\.md:9 .* {2}\(#nowhere\)\n\nLinks from here \(0\): none$/);
    const j = JSON.parse((await inWs(['links', 'guide/config.md', '--json'])).out) as DocumentLinks;
    assert.deepEqual(j.linksTo.map((l) => [l.path, l.line, l.text, l.fragment]), [['guide/install.md', 9, 'part two', 'part-two'], ['guide/install.md', 9, 'a gone heading', 'nowhere']]);
    assert.deepEqual(j.linksFrom, []);

    const broken = await inWs(['links', '--broken']);
    assert.equal(broken.code, 1, 'a broken link is a problem found');
    assert.match(broken.out, /^2 broken links:\n {2}guide\/install\.md:9 -> nope\.md {2}See \[part two\].*\n {2}notes\/weather\.md:3 -> radar\.png \(missing file\) {2}Rain is expected/);
    const bj = await inWs(['links', '--broken', '--json']);
    assert.equal(bj.code, 1);
    const b = JSON.parse(bj.out) as BrokenLinks;
    assert.equal(b.count, 2);
    assert.deepEqual(b.links.map((l) => [l.path, l.line, l.target, l.text, l.missing]), [['guide/install.md', 9, 'nope.md', 'the missing page', 'document'], ['notes/weather.md', 3, 'radar.png', 'the radar', 'file']]);
  });

  it('status counts the broken links, in words and in --json', async () => {
    const plain = await inWs(['status']);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /\nLinks: {5}2 broken links \(lore links --broken lists them\)/);
    const j = JSON.parse((await inWs(['status', '--json'])).out) as { brokenLinks: number };
    assert.equal(j.brokenLinks, 2);
  });

  it('a document path may be absolute, relative to the current folder, or relative to the index\'s folder', async () => {
    const abs = await inWs(['links', path.join(ws.root, 'notes', 'log.md'), '--json']);
    assert.equal(abs.code, 0, abs.err);
    assert.equal((JSON.parse(abs.out) as DocumentLinks).path, 'notes/log.md');
    const absLine = await inWs(['related', `${path.join(ws.root, 'guide', 'install.md')}:7`, '--json']);
    assert.equal((JSON.parse(absLine.out) as RelatedResult).section?.headingPath, 'Install > Linux');
    // From REPO (outside the folder), with --dir: the path as `lore search` prints it.
    assert.equal((await inWs(['links', './notes/log.md'])).code, 0);
    const missing = await inWs(['related', 'guide/nope.md']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^"guide\/nope\.md" is not in the index of .*: a path is taken from the current folder \(or absolute\), or from /);
    assert.equal(missing.out, '');
  });

  it('in a real process started in a subfolder, with stdout a pipe: a path relative to it, complete JSON', async () => {
    const tsx = pathToFileURL(require.resolve('tsx', { paths: [REPO] })).href;
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', tsx, path.join(REPO, 'src', 'cli', 'main.ts'), 'related', 'install.md:7', '--json'], {
        cwd: path.join(ws.root, 'guide'),
        env: ENV,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out, err }));
    });
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.endsWith('}\n'));
    const j = JSON.parse(r.out) as RelatedResult;
    assert.deepEqual([j.path, j.section?.startLine, j.linksFrom.length, j.linksTo.length], ['guide/install.md', 5, 4, 1]);
  });

  it('search --from <path>: what that document links to ranks slightly higher, and --explain says so', async () => {
    type Hit = { path: string; score: number; explain?: { summary: string } };
    const hits = async (extra: string[]) => {
      const r = await inWs(['search', 'zebra', 'libstripes', '--mode', 'keyword', '--explain', '--json', ...extra]);
      assert.equal(r.code, 0, r.err);
      return (JSON.parse(r.out) as { results: Hit[] }).results;
    };
    const install = (list: Hit[]) => list.find((h) => h.path === 'guide/install.md')!;
    const plain = await hits([]);
    const from = await hits(['--from', path.join(ws.root, 'notes', 'log.md')]); // links to guide/install.md#linux
    assert.match(install(from).explain!.summary, /link prior x1\.050 \(.*the current document links here\)/);
    assert.ok(Math.abs(install(from).score / install(plain).score - 1.05) < 1e-6);
    assert.doesNotMatch(install(plain).explain!.summary, /link prior/);
    assert.deepEqual(await hits(['--from', 'notes/log.md']), from, 'a path relative to the index\'s folder');
    const missing = await inWs(['search', 'zebra', '--from', 'notes/nope.md']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /"notes\/nope\.md" is not in the index/);
  });

  it('bad usage is exit 2 with the reason', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['related'], /`lore related` takes one document: lore related <path>\[:line\]/],
      [['related', 'guide/install.md:0'], /Lines are numbered from 1, not "0"/],
      [['related', 'guide/install.md', '--limit', '0'], /--limit takes a whole number from 1 to 50, not "0"/],
      [['links'], /`lore links` takes one document, or --broken/],
      [['links', 'guide/config.md', '--broken'], /`lore links` takes one document, or --broken/],
      [['links', '--broken', '--limit', 'many'], /--limit takes a whole number from 1 to 100000, not "many"/],
    ];
    for (const [argv, message] of cases) {
      const r = await inWs(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, message, argv.join(' '));
    }
  });
});

describe('lore related / lore links: lists cut at the link limit', () => {
  const st = style(false);
  const backlinks = (count: number) => Array.from({ length: count }, (_, i) => ({ path: `notes/n${i}.md`, title: `N${i}`, line: 3, kind: 'inline' as const, text: 'a', context: 'See [a](../a.md).', fragment: '' }));
  const outgoing = (count: number) => Array.from({ length: count }, (_, i) => ({ line: i + 1, kind: 'inline' as const, target: `b${i}.md`, fragment: '', text: 'b', context: '', path: `b${i}.md`, title: `B${i}`, targetLine: 1, state: 'document' as const }));
  const links = (to: number, toTotal: number | undefined, from: number, fromTotal: number | undefined) =>
    ({ path: 'a.md', title: 'A', linksTo: backlinks(to), linksFrom: outgoing(from), linksToTotal: toTotal, linksFromTotal: fromTotal }) as DocumentLinks;

  it('say "100 of 137" when the true count is larger, else the count', async () => {
    const capped = formatLinks(links(100, 137, 3, 1_250), st);
    assert.match(capped, /\nLinks to here \(100 of 137\)\n/);
    assert.match(capped, /\nLinks from here \(3 of 1,250\)\n/);
    const whole = formatLinks(links(2, 2, 0, undefined), st);
    assert.match(whole, /\nLinks to here \(2\)\n/);
    assert.match(whole, /\nLinks from here \(0\): none$/);

    const related: RelatedResult = {
      ...links(100, 137, 50, 50),
      section: { headingPath: 'A', startLine: 1, endLine: 3 },
      similar: { method: 'none', reason: 'the document has no text', passages: [] },
      tookMs: 1,
    };
    const text = formatRelated(related, st);
    assert.match(text, /\nLinks to here \(100 of 137\)\n/);
    assert.match(text, /\nLinks from here \(50\)\n/);
  });
});
