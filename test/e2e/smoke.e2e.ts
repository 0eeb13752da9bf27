// Smoke test of the UI harness: VS Code opens on the fixture workspace with Lore loaded, the Lore
// activity-bar item appears, and its view container opens.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openWorkbench, type Workbench } from './harness';

describe('smoke: Lore in the workbench', () => {
  let wb: Workbench;
  before(async () => {
    wb = await openWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  it('shows the Lore activity-bar item and opens its views', async () => {
    const item = await wb.waitForActivityBarItem('Lore');
    assert.match((await item.getAttribute('aria-label')) ?? '', /^Lore/);
    await wb.openView('Lore');
    const file = await wb.screenshot('smoke-lore-view');
    assert.ok(fs.statSync(file).size > 10_000, 'screenshot is suspiciously small');
  });

  it('activates: the status bar shows the index once it is open', async () => {
    // Only the running extension (with its native SQLite modules loaded) puts this item there.
    const text = await wb.waitForStatusBar(/Lore: (\d[\d,]* docs|keyword only)/, 90_000);
    assert.doesNotMatch(text, /unavailable/);
    await wb.screenshot('smoke-status-bar');
  });

  it('lists Lore commands in the palette', async () => {
    const page = wb.page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('>Lore:');
    const rows = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Lore:' });
    await rows.first().waitFor();
    assert.ok((await rows.count()) > 0);
    await wb.screenshot('smoke-palette');
    await page.keyboard.press('Escape');
  });
});
