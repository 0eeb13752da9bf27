import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeSearchInput,
  formatDocumentResult,
  formatSearchResult,
  parseDocumentInput,
  parseRelatedInput,
  parseSearchInput,
  parseSessionsInput,
  ToolInputError,
} from '../../src/extension/tools/format';
import { budgetForToolCall as toolBudget, type Passage } from '../../src/core/search/passages';
import { formatRelatedText } from '../../src/core/related/format';
import type { RelatedResult } from '../../src/core/related/types';

const passage = (n: number, text: string, extra: Partial<Passage> = {}): Passage => ({
  path: `docs/p${n}.md`,
  title: `Doc ${n}`,
  headingPath: 'Part',
  startLine: n,
  endLine: n + 3,
  text,
  score: 1 / n,
  stale: false,
  documentType: 'design',
  ...extra,
});

describe('tool input checks', () => {
  it('search: defaults, clamps k, passes document types on as given (search matches them in any case)', async () => {
    assert.deepEqual(parseSearchInput({ query: ' vectors ' }), { query: 'vectors', k: 8, mode: 'hybrid', documentTypes: undefined, pathGlob: undefined });
    const full = parseSearchInput({ query: 'x', k: 500, mode: 'keyword', document_type: 'ADR', path_glob: 'docs/**' });
    assert.deepEqual(full, { query: 'x', k: 50, mode: 'keyword', documentTypes: ['ADR'], pathGlob: 'docs/**' });
    assert.deepEqual(parseSearchInput({ query: 'x', document_type: ['adr', 'plan'] }).documentTypes, ['adr', 'plan']);
  });

  it('search: readable errors for a missing query, an unknown mode, a non-object', async () => {
    assert.throws(() => parseSearchInput({}), (e: Error) => e instanceof ToolInputError && /"query" is required/.test(e.message));
    assert.throws(() => parseSearchInput({ query: 'x', mode: 'fuzzy' }), /"mode" must be one of keyword, semantic, hybrid/);
    assert.throws(() => parseSearchInput({ query: 'x', k: 'ten' }), /"k" must be a number/);
    assert.throws(() => parseSearchInput('x'), /must be a JSON object/);
  });

  it('document: path required, line range checked, separators normalised', async () => {
    assert.deepEqual(parseDocumentInput({ path: '.\\docs\\a.md', startLine: 3 }), { path: 'docs/a.md', startLine: 3, endLine: undefined });
    assert.throws(() => parseDocumentInput({ path: 'a.md', startLine: 9, endLine: 2 }), /"endLine" must not be before/);
    assert.throws(() => parseDocumentInput({}), /"path" is required/);
  });

  it('related: path required and normalised, line optional and whole', async () => {
    assert.deepEqual(parseRelatedInput({ path: '.\\docs\\a.md', line: 7.9 }), { path: 'docs/a.md', line: 7 });
    assert.deepEqual(parseRelatedInput({ path: 'docs/a.md' }), { path: 'docs/a.md', line: undefined });
    assert.throws(() => parseRelatedInput({ line: 3 }), (e: Error) => e instanceof ToolInputError && /"path" is required/.test(e.message));
    assert.throws(() => parseRelatedInput({ path: 'a.md', line: 'two' }), /"line" must be a number/);
  });

  it('sessions: everything optional', async () => {
    assert.deepEqual(parseSessionsInput(undefined), { query: undefined, limit: 10 });
    assert.deepEqual(parseSessionsInput({ query: 'vec', limit: 0 }), { query: 'vec', limit: 1 });
  });
});

describe('tool results fit a budget', () => {
  it('search result lists file:lines, section, score, type and stale', async () => {
    const text = formatSearchResult({ query: 'q', mode: 'keyword', fallbackReason: 'no embedder configured', total: 2 }, [passage(1, 'first'), passage(2, 'second', { stale: true })], 10_000);
    assert.match(text, /^Lore search for "q" \(keyword; no embedder configured\): 2 of 2 passages\./);
    assert.match(text, /\[1\] docs\/p1\.md:1-4 — Doc 1 > Part \(score 1\.000, type design\)\nfirst/);
    assert.match(text, /\[2\] docs\/p2\.md:2-5 .*STALE/);
  });

  it('a large result stays under the budget and says it was trimmed', async () => {
    const big = Array.from({ length: 30 }, (_, i) => passage(i + 1, 'lorem ipsum dolor '.repeat(200)));
    for (const budget of [2_000, 6_000, 20_000]) {
      const text = formatSearchResult({ query: 'q', mode: 'hybrid', total: 30 }, big, budget);
      assert.ok(text.length <= budget, `budget ${budget}: got ${text.length}`);
      assert.match(text, /trimmed to fit the context budget/);
    }
  });

  it('many short passages with long headers still fit a tiny budget', async () => {
    const many = Array.from({ length: 50 }, (_, i) => passage(i + 1, 'short text', { title: 'A rather long document title '.repeat(2), headingPath: 'Section > Subsection' }));
    const text = formatSearchResult({ query: 'q', mode: 'hybrid', total: 50 }, many, 1_000);
    assert.ok(text.length <= 1_000, `got ${text.length}`);
    assert.match(text, /: \d+ of 50 passages \(trimmed/);
  });

  it('no results says so', async () => {
    assert.match(formatSearchResult({ query: 'zzz', mode: 'hybrid', total: 0 }, [], 1_000), /no matching passages/);
  });

  it('document result is cut at a line, with where to read on', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i + 1} of the document`);
    const doc = { path: 'docs/a.md', title: 'A', documentType: 'note', startLine: 1, endLine: 500, text: lines.join('\n'), stale: false };
    const text = formatDocumentResult(doc, 3_000);
    assert.ok(text.length <= 3_000, `got ${text.length}`);
    const m = /after line (\d+)\. Call lore_get_document again with startLine (\d+)/.exec(text);
    assert.ok(m, text.slice(-200));
    assert.equal(Number(m[2]), Number(m[1]) + 1);
    assert.ok(text.includes(`line ${m[1]} of the document\n`));
    assert.ok(!text.includes(`line ${m[2]} of the document`));
    assert.equal(formatDocumentResult({ ...doc, text: 'short', endLine: 1 }, 3_000), 'docs/a.md — A (type note; lines 1-1)\n\nshort');
  });

  it('budget from tokens, and the progress message', async () => {
    assert.equal(toolBudget(undefined), 12_000);
    assert.equal(toolBudget(1_000), 3_500);
    assert.equal(describeSearchInput(parseSearchInput({ query: 'vec', document_type: 'adr', path_glob: 'docs/**' })), 'Searching Lore (hybrid) for "vec" (type adr, in docs/**)');
  });
});

describe('related result text (lore_related and MCP related)', () => {
  const result = (similar: number, links: number, totals: { to?: number; from?: number } = {}): RelatedResult => ({
    path: 'docs/a.md',
    title: 'A',
    section: { headingPath: 'A > Part', startLine: 5, endLine: 9 },
    similar: {
      method: 'keyword',
      reason: 'semantic search is off: keyword matches on the section\'s distinctive words',
      terms: ['zebra', 'stripes'],
      passages: Array.from({ length: similar }, (_, i) => ({ path: `docs/s${i}.md`, title: `S${i}`, headingPath: `S${i} > Zebra`, startLine: 3, endLine: 8, score: 2 - i / 100, snippet: `zebra stripes ${'word '.repeat(25)}`.trim() })),
    },
    linksTo: Array.from({ length: links }, (_, i) => ({ path: `notes/n${i}.md`, title: `N${i}`, line: i + 1, kind: 'inline' as const, text: 'a', context: `See [a](../docs/a.md#part) for part ${i}.`, fragment: 'part' })),
    linksFrom: [
      { line: 7, kind: 'inline', target: 'b.html', fragment: 'intro', text: 'b', context: '', path: 'docs/b.md', title: 'B', targetLine: 3, state: 'document' },
      { line: 8, kind: 'inline', target: 'gone.md', fragment: '', text: 'gone', context: '', state: 'broken' },
    ],
    linksToTotal: totals.to ?? links,
    linksFromTotal: totals.from ?? 2,
    tookMs: 1,
  });

  it('lists the similar passages (path:lines, heading, snippet) and the links both ways', async () => {
    const text = formatRelatedText(result(2, 1), { readTool: 'lore_get_document', displayPath: (p) => `ws/${p}` });
    assert.match(text, /^Related to ws\/docs\/a\.md — A, section "A > Part" \(lines 5-9\)\. Cite passages as path:lines; lore_get_document reads one whole\./);
    assert.match(text, /\nSimilar passages in other documents, by keywords: zebra, stripes \(why: semantic search is off: .*\):\n\[1\] ws\/docs\/s0\.md:3-8 — S0 > S0 > Zebra \(score 2\.000\)\n {4}zebra stripes word/);
    assert.match(text, /\nLinks to this document \(1\):\n- ws\/notes\/n0\.md:1 — N0 \(to #part\): See \[a\]\(\.\.\/docs\/a\.md#part\) for part 0\.\n/);
    assert.match(text, /\nLinks from this document \(2\):\n- line 7 -> ws\/docs\/b\.md:3 \(B\): "b"\n- line 8 -> gone\.md \[broken: reaches nothing\]: "gone"$/);
  });

  it('stays within the budget, keeps every section and says how much it left out', async () => {
    const text = formatRelatedText(result(50, 200), { budgetChars: 3_000 });
    assert.ok(text.length <= 3_000, `${text.length} chars`);
    assert.match(text, /\[1\] docs\/s0\.md:3-8/);
    assert.match(text, /\(\d+ more left out to fit\)\n\nLinks to this document \(200\):\n- notes\/n0\.md:1/);
    assert.match(text, /\nLinks from this document \(2\):\n- line 7 -> docs\/b\.md:3 \(B\): "b"\n- line 8 -> gone\.md/);
  });

  it('lists cut at the link limit say so: "100 of 137", not a total', async () => {
    const text = formatRelatedText(result(1, 100, { to: 137, from: 40 }), { budgetChars: 50_000 });
    assert.match(text, /\nLinks to this document \(100 of 137\):\n/);
    assert.match(text, /\nLinks from this document \(2 of 40\):\n/);
    // A total no larger than the list (or none, from an older index) is just the count.
    const whole = formatRelatedText({ ...result(1, 3), linksToTotal: undefined, linksFromTotal: 2 } as unknown as RelatedResult);
    assert.match(whole, /\nLinks to this document \(3\):\n/);
    assert.match(whole, /\nLinks from this document \(2\):\n/);
  });
});
