import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeSearchInput,
  formatDocumentResult,
  formatSearchResult,
  parseDocumentInput,
  parseSearchInput,
  parseSessionsInput,
  ToolInputError,
} from '../../src/extension/tools/format';
import { budgetForToolCall as toolBudget, type Passage } from '../../src/core/search/passages';

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
