// Durable memory as a user meets it in the workbench (code-server + Chromium): an empty Memories
// view that says what it is for, "Lore: Remember…" from the palette (namespace, key, value), the
// memory in the view, and the same memory above the documents in "Lore: Search".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openWorkbench, type Workbench } from './harness';

describe('Lore memory in the workbench: remember from the palette, see it in the view and in search', () => {
  let wb: Workbench;
  before(async () => {
    wb = await openWorkbench({ settings: { 'lore.search.defaultMode': 'keyword', 'lore.embedding.provider': 'none' } });
  });
  after(async () => {
    await wb?.close();
  });

  it('an empty Memories view welcomes; Remember… asks namespace, key and value; the view shows the memory', { timeout: 180_000 }, async () => {
    const page = wb.page;
    await wb.waitForStatusBar(/Lore: \d[\d,]* docs/, 90_000);
    await wb.openView('Lore');
    const pane = page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: 'Memories' }) });
    await pane.locator('.welcome-view-content', { hasText: 'Nothing remembered yet' }).waitFor({ timeout: 20_000 });
    await wb.runCommand('Lore: Remember…');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    // 1/3: the namespace, this workspace's offered first.
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'namespace' }).waitFor({ timeout: 10_000 });
    const first = page.locator('.quick-input-list .monaco-list-row').first();
    await first.waitFor({ timeout: 10_000 });
    const namespace = (await first.innerText()).trim();
    assert.match(namespace, /^project:[a-z0-9._-]+$/);
    await input.fill('project:ops');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'project:ops' }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    // 2/3: the key; 3/3: the value.
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'key' }).waitFor({ timeout: 10_000 });
    await input.fill('staging-db');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'what to remember' }).waitFor({ timeout: 10_000 });
    await input.fill('The staging database is reset nightly at 02:00 UTC');
    await page.keyboard.press('Enter');
    const row = pane.locator('.monaco-list-row', { hasText: 'staging-db' }).first();
    await row.waitFor({ timeout: 20_000 });
    assert.match((await row.innerText()).replace(/\s+/g, ' '), /staging-db\s*The staging database is reset nightly/);
    await pane.locator('.monaco-list-row', { hasText: 'project:ops' }).first().waitFor({ timeout: 10_000 });
    await wb.screenshot('memories-view');
  });

  it('"Lore: Search" lists the memory above the documents', { timeout: 120_000 }, async () => {
    const page = wb.page;
    await wb.runCommand('Lore: Search');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill('staging database reset');
    const memory = page.locator('.quick-input-list .monaco-list-row', { hasText: 'project:ops staging-db' }).first();
    await memory.waitFor({ timeout: 20_000 });
    const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
    const at = rows.findIndex((t) => t.includes('project:ops staging-db'));
    assert.equal(at, 0, `the memory comes first: ${JSON.stringify(rows)}`);
    assert.match(rows.join('\n'), /Memories/);
    await wb.screenshot('search-with-memory');
    await page.keyboard.press('Escape');
  });
});
