// What a user does with Lore in a real VS Code (code-server + Chromium): open the Lore view, run
// "Lore: Search" from the palette, type a query, open a result, land on the right file and line,
// and look at the Sessions and Index Status trees. Each step saves a screenshot under test-results/e2e/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLore } from '../../src/core/service';
import { openWorkbench, type Workbench } from './harness';

const QUERY = 'PostgreSQL ledger';
const ADR = 'docs/adr/0002-use-postgres-for-the-ledger.md';

/** Where the engine itself says the best chunk for QUERY starts (indexed from the same copy, into a temp file). */
async function expectedLine(root: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-e2e-expect-'));
  const lore = await createLore({ root, dbPath: path.join(dir, 'x.db') });
  try {
    await lore.index();
    const r = await lore.search(QUERY, { mode: 'keyword', k: 5 });
    assert.equal(r.results[0]?.path, ADR);
    return r.results[0].startLine;
  } finally {
    await lore.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('Lore in the workbench: search from the palette, open a result, see the trees', () => {
  let wb: Workbench;
  before(async () => {
    // Keyword mode: the result order does not depend on an embedder being there.
    wb = await openWorkbench({ settings: { 'lore.search.defaultMode': 'keyword', 'lore.embedding.provider': 'none' } });
  });
  after(async () => {
    await wb?.close();
  });

  it('opens the Lore view with its Search, Sessions and Index Status views', async () => {
    await wb.waitForStatusBar(/Lore: \d[\d,]* docs/, 90_000);
    await wb.openView('Lore');
    const page = wb.page;
    for (const name of ['Search', 'Sessions', 'Index Status']) {
      await page.locator('.sidebar .pane-header', { hasText: name }).first().waitFor({ timeout: 20_000 });
    }
    // The empty Search view welcomes with a Search button.
    await page.locator('.sidebar .welcome-view-content a.monaco-button', { hasText: 'Search' }).first().waitFor({ timeout: 20_000 });
    await wb.screenshot('lore-view');
  });

  it('runs "Lore: Search", types a query, opens the result at the right file and line', async () => {
    const line = await expectedLine(wb.workspace.root);
    const page = wb.page;
    await wb.runCommand('Lore: Search');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(QUERY);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'ADR 0002' }).first();
    await row.waitFor({ timeout: 20_000 });
    const first = page.locator('.quick-input-list .monaco-list-row').first();
    assert.match((await first.innerText()).replace(/\s+/g, ' '), /ADR 0002: Use PostgreSQL for the ledger/, 'the ADR is the top result');
    await wb.screenshot('search-quick-pick');
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: '0002-use-postgres-for-the-ledger.md' }).waitFor({ timeout: 20_000 });
    const cursor = await wb.waitForStatusBar(/^Ln \d+, Col \d+/, 20_000);
    assert.equal(Number(/^Ln (\d+)/.exec(cursor)![1]), line, `the cursor is on the chunk's first line (${line}): ${cursor}`);
    await wb.screenshot('search-result-opened');
  });

  it('shows the search in the Search and Sessions trees', async () => {
    const page = wb.page;
    await wb.openView('Lore');
    await page.locator('.sidebar .monaco-list-row', { hasText: 'ADR 0002: Use PostgreSQL for the ledger' }).first().waitFor({ timeout: 20_000 });
    await page.locator('.sidebar .monaco-list-row', { hasText: 'Today' }).first().waitFor({ timeout: 20_000 });
    await wb.screenshot('search-and-sessions-trees');
  });

  it('shows the Index Status tree: counts, the failed file and its reason, the embedder state', async () => {
    const page = wb.page;
    await wb.runCommand('Lore: Show Index Status');
    const tree = page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: 'Index Status' }) });
    // Keyword only here (no embedder configured): what is searchable, not a pending count that cannot move.
    const searchable = tree.locator('.monaco-list-row', { hasText: 'searchable by keyword' }).first();
    await searchable.waitFor({ timeout: 20_000 });
    assert.match((await searchable.innerText()).replace(/\s+/g, ' '), /\d+ searchable by keyword\s*semantic search off: no embedder configured/);
    assert.equal(await tree.locator('.monaco-list-row', { hasText: 'Embedding queue' }).count(), 0);
    const failedFile = tree.locator('.monaco-list-row', { hasText: 'notes/scanned-manifest.md' }).first();
    await failedFile.waitFor({ timeout: 20_000 });
    assert.match(await failedFile.innerText(), /binary content/);
    await tree.locator('.monaco-list-row', { hasText: 'Semantic search' }).first().waitFor();
    await wb.screenshot('index-status-tree');
  });
});

describe('Lore in the workbench without an embedder answering', () => {
  let wb: Workbench;
  before(async () => {
    wb = await openWorkbench({ settings: { 'lore.embedding.provider': 'ollama', 'lore.embedding.host': 'http://127.0.0.1:9' } });
  });
  after(async () => {
    await wb?.close();
  });

  it('says "Lore: keyword only" in the status bar and why in Index Status', async () => {
    await wb.waitForStatusBar(/Lore: keyword only/, 90_000);
    await wb.runCommand('Lore: Show Index Status');
    const row = wb.page.locator('.sidebar .monaco-list-row', { hasText: 'Semantic search: keyword only' }).first();
    await row.waitFor({ timeout: 20_000 });
    const searchable = wb.page.locator('.sidebar .monaco-list-row', { hasText: 'searchable by keyword' }).first();
    await searchable.waitFor({ timeout: 20_000 });
    assert.match((await searchable.innerText()).replace(/\s+/g, ' '), /semantic search off: .*127\.0\.0\.1:9/);
    await row.click(); // expands to the fix actions
    // Five views share the side bar: the fix actions may lie below the Index Status pane's fold.
    // Scrolling the tree brings them into view (a list renders only the rows it shows).
    const settings = wb.page.locator('.sidebar .monaco-list-row', { hasText: 'Open embedding settings' }).first();
    await row.hover();
    for (let i = 0; i < 10 && !(await settings.isVisible()); i++) await wb.page.mouse.wheel(0, 120);
    await settings.waitFor({ timeout: 10_000 });
    await wb.screenshot('keyword-only');
  });
});
