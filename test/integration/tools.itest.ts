// Lore's language-model tools through the real vscode.lm API, on test/fixtures/workspace.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { LoreAccess } from '../../src/extension/loreAccess';
import { SearchTool } from '../../src/extension/tools/tools';
import { loreApi } from './extApi';

const ADR = 'docs/adr/0002-use-postgres-for-the-ledger.md';
const DESIGN = 'docs/design/reconciliation-engine.md';
const ROADMAP = 'plans/2024-q3-roadmap.md';
const TOOLS = ['lore_search', 'lore_get_document', 'lore_related', 'lore_sessions'];

async function getAccess(): Promise<{ access: LoreAccess; extensionPath: string }> {
  const { access } = await loreApi();
  return { access, extensionPath: vscode.extensions.getExtension('lore-dev.lore')!.extensionPath };
}

async function invoke(name: string, input: object, tokenBudget?: number): Promise<string> {
  const options: vscode.LanguageModelToolInvocationOptions<object> = {
    toolInvocationToken: undefined,
    input,
    ...(tokenBudget ? { tokenizationOptions: { tokenBudget, countTokens: async (t: string) => Math.ceil(t.length / 4) } } : {}),
  };
  const result = await vscode.lm.invokeTool(name, options, new vscode.CancellationTokenSource().token);
  return result.content.map((p) => (p as { value?: unknown }).value).filter((v): v is string => typeof v === 'string').join('');
}

describe('Lore language-model tools', function () {
  let access: LoreAccess;
  let extensionPath: string;
  before(async function () {
    this.timeout(60_000);
    ({ access, extensionPath } = await getAccess());
  });

  it('are registered with the schemas declared in package.json and kept in schema/tools', async () => {
    for (const name of TOOLS) {
      const info = vscode.lm.tools.find((t) => t.name === name);
      assert.ok(info, `${name} is not in vscode.lm.tools`);
      const file = JSON.parse(fs.readFileSync(path.join(extensionPath, 'schema', 'tools', `${name}.json`), 'utf8'));
      assert.deepEqual(info.inputSchema, file);
      assert.ok(info.tags.includes('lore'));
    }
  });

  it('lore_search returns passages with file, lines, section, score and stale flag', async () => {
    const text = await invoke('lore_search', { query: 'PostgreSQL ledger' });
    const m = new RegExp(`\\[1\\] ${ADR.replace(/[.]/g, '\\.')}:(\\d+)-(\\d+) — ADR 0002: Use PostgreSQL for the ledger`).exec(text);
    assert.ok(m, text);
    const lines = fs.readFileSync(path.join(access.lores()[0].folder.uri.fsPath, ADR), 'utf8').split('\n');
    assert.match(lines.slice(Number(m[1]) - 1, Number(m[2])).join('\n'), /PostgreSQL/);
    assert.match(text, /score \d+\.\d{3}/);
    assert.match(text, /type adr/);
  });

  it('lore_search filters by document type and path glob', async () => {
    const designs = await invoke('lore_search', { query: 'matching', document_type: 'design' });
    assert.match(designs, /docs\/design\//);
    assert.ok(!/\] (plans|notes|docs\/adr)\//.test(designs), designs);
    const inPlans = await invoke('lore_search', { query: 'manifest', path_glob: 'plans/**' });
    assert.match(inPlans, /\[1\] plans\/2024-q3-roadmap\.md/);
    assert.ok(!/\] docs\//.test(inPlans), inPlans);
  });

  it('lore_search stays within a small token budget', async () => {
    const text = await invoke('lore_search', { query: 'the', k: 50 }, 250);
    assert.ok(text.length <= 1_000, `returned ${text.length} chars for a 250-token budget`);
  });

  it('lore_search rejects a call without a query with a message the model can act on', async () => {
    await assert.rejects(invoke('lore_search', { k: 3 }), /query/);
  });

  it('lore_get_document returns the indexed lines of one document', async () => {
    const text = await invoke('lore_get_document', { path: ADR, startLine: 15, endLine: 18 });
    assert.match(text, /^docs\/adr\/0002-use-postgres-for-the-ledger\.md — ADR 0002: Use PostgreSQL for the ledger \(type adr; lines 15-18/);
    assert.match(text, /Use PostgreSQL 16 as the single store for the ledger/);
    assert.ok(!text.includes('Alternatives considered'), 'nothing after line 18');
    const whole = await invoke('lore_get_document', { path: ADR });
    assert.match(whole, /numbered migrations reviewed like code/);
    await assert.rejects(invoke('lore_get_document', { path: 'docs/nope.md' }), /No indexed document at "docs\/nope\.md"/);
  });

  it('lore_related lists similar passages (path:lines, heading, snippet) and the links both ways', async () => {
    // Line 20 is in "### Fuzzy matching" (lines 18-22), which the roadmap links to at line 10.
    const text = await invoke('lore_related', { path: DESIGN, line: 20 });
    assert.match(text, /^Related to docs\/design\/reconciliation-engine\.md — Reconciliation engine design, section "Reconciliation engine design > Matching > Fuzzy matching" \(lines 18-22\)\. Cite passages as path:lines; lore_get_document reads one whole\./);
    assert.match(text, /\nSimilar passages in other documents, by (?:keywords: [^\n]*\bfuzzy\b[^\n]*|meaning) \(why: [^\n]+\):\n\[1\] /);
    const similar = [...text.matchAll(/\n\[\d+\] ([^\s:]+):(\d+)-(\d+) — ([^\n]+) \(score \d+\.\d{3}\)\n {4}(\S[^\n]*)/g)];
    assert.ok(similar.length >= 2, text);
    assert.ok(similar.every((m) => m[1] !== DESIGN), 'other documents only');
    // Each passage's lines are where its snippet's words are.
    const root = access.lores()[0].folder.uri.fsPath;
    for (const [, file, a, b] of similar) assert.ok(Number(b) >= Number(a) && fs.readFileSync(path.join(root, file), 'utf8').split('\n').length >= Number(b), `${file}:${a}-${b}`);
    assert.match(text, /\nLinks to this document \(1\):\n- plans\/2024-q3-roadmap\.md:10 — Q3 2024 roadmap \(to #fuzzy-matching\): 1\. Cut the review queue by half by tuning fuzzy matching \(see the \[reconciliation engine design\]\(\.\.\/docs\/design\/reconciliation-engine\.md#fuzzy-matching\)\)\.\n/);
    assert.match(text, /\nLinks from this document \(0\):\n\(none\)$/);

    const out = await invoke('lore_related', { path: ROADMAP });
    assert.match(out, /\nLinks from this document \(2\):\n- line 10 -> docs\/design\/reconciliation-engine\.md:18 \(Reconciliation engine design\): "reconciliation engine design"\n- line 12 -> docs\/adr\/0003-idempotent-manifest-import\.md:1 \(ADR 0003: [^\n]*\): "ADR 0003"$/);
    await assert.rejects(invoke('lore_related', { path: 'docs/nope.md' }), /No indexed document at "docs\/nope\.md"/);
    await assert.rejects(invoke('lore_related', { line: 3 }), /"path" is required/);
  });

  it('lore_sessions recalls earlier tool calls', async () => {
    await invoke('lore_search', { query: 'carrier scorecard' });
    const found = await invoke('lore_sessions', { query: 'scorecard' });
    assert.match(found, /tool lore_search “carrier scorecard”/);
    const recent = await invoke('lore_sessions', {});
    assert.match(recent, /Recent sessions:/);
    assert.match(recent, /Language-model tool calls/);
  });

  it('prepareInvocation says what will be searched', async () => {
    const tool = new SearchTool(access);
    const prepared = tool.prepareInvocation({ input: { query: 'ledger', document_type: 'adr' } });
    assert.equal(prepared.invocationMessage, 'Searching Lore (hybrid) for "ledger" (type adr)');
  });
});
