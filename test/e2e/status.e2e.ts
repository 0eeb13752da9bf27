// What the status bar and the views say at the moments users catch them out: right after a
// reload, while a failing embedder is checked again, and while indexing is still under way.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { openWorkbench, type Workbench } from './harness';

/** Records every text (and class list) the Lore status-bar item shows, from page load on (runs in the page). */
const RECORD_LORE_ITEM = `(() => {
  window.__lore = [];
  const look = () => {
    for (const el of document.querySelectorAll('.part.statusbar .statusbar-item')) {
      const text = el.innerText.trim();
      if (!/Lore/.test(text)) continue;
      const entry = text + ' | ' + el.className;
      if (window.__lore[window.__lore.length - 1] !== entry) window.__lore.push(entry);
    }
  };
  const start = () => { look(); new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true }); };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})()`;

const recorded = (page: Page) => page.evaluate('window.__lore || []') as Promise<string[]>;

describe('Lore status at the moments that catch it out', () => {
  let wb: Workbench;
  before(async () => {
    wb = await openWorkbench({ settings: { 'lore.search.defaultMode': 'keyword', 'lore.embedding.provider': 'none' } });
  });
  after(async () => {
    await wb?.close();
  });

  it('after Reload Window: "opening…", then the count; never "0 docs", "indexing 0/0" or "open a folder"', async () => {
    await wb.waitForStatusBar(/Lore: \d+ docs/, 90_000);
    await wb.page.addInitScript({ content: RECORD_LORE_ITEM });
    await wb.runCommand('Developer: Reload Window');
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // At once, before the index has opened: the search command must not claim there is no folder.
    await wb.runCommand('Lore: Search');
    await wb.waitForStatusBar(/Lore: [1-9][\d,]* docs/, 90_000);
    await wb.page.keyboard.press('Escape');
    const texts = await recorded(wb.page);
    assert.ok(texts.length > 0, 'the recorder saw the Lore item');
    for (const t of texts) assert.doesNotMatch(t, /Lore: 0 docs|indexing 0\/0|No folder/, `shown after reload: ${texts.join(' → ')}`);
    assert.ok(!(await wb.notifications()).some((n) => /open a folder/.test(n)), 'no "open a folder" message');
    await wb.screenshot('reload-status');
  });

  it('a search while indexing says "partial results: N of M files indexed"', { timeout: 180_000 }, async () => {
    const bulk = path.join(wb.workspace.folder!, 'bulk');
    fs.mkdirSync(bulk, { recursive: true });
    for (let i = 0; i < 15_000; i++) fs.writeFileSync(path.join(bulk, `note-${i}.md`), `# Note ${i}\n\n${'Quarterly ledger reconciliation notes and figures. '.repeat(12)}\n`);
    await wb.runCommand('Lore: Rebuild Index');
    await wb.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Rebuild' }).first().click(); // the confirmation
    await wb.waitForStatusBar(/Lore: indexing [\d,]+\/[\d,]+/, 60_000);
    await wb.runCommand('Lore: Search');
    await wb.page.locator('.quick-input-widget .quick-input-box input').fill('ledger reconciliation');
    const title = wb.page.locator('.quick-input-widget .quick-input-title', { hasText: /partial results: [\d,]+ (of [\d,]+ files indexed|files indexed so far)/ });
    await title.waitFor({ timeout: 30_000 }).catch(async (err) => {
      await wb.screenshot('partial-results-failure');
      throw err;
    });
    await wb.page.mouse.move(700, 600); // no hover tooltip over the title
    await wb.screenshot('partial-results');
    await wb.page.keyboard.press('Escape');
    await wb.waitForStatusBar(/Lore: [\d,]+ docs/, 120_000);
  });
});

describe('Lore status while a failing embedder is checked again', () => {
  let wb: Workbench;
  let server: net.Server;
  const sockets = new Set<net.Socket>();
  before(async () => {
    // Accepts connections and never answers: each check of the embedder takes its full 3 s.
    server = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    wb = await openWorkbench({ settings: { 'lore.embedding.provider': 'ollama', 'lore.embedding.host': `http://127.0.0.1:${port}` } });
  });
  after(async () => {
    await wb?.close();
    for (const s of sockets) s.destroy();
    server?.close();
  });

  it('stays "keyword only" in the warning colour through the check: no "N docs" flash', { timeout: 120_000 }, async () => {
    await wb.waitForStatusBar(/Lore: keyword only/, 90_000);
    await wb.page.evaluate(RECORD_LORE_ITEM);
    await wb.runCommand('Lore: Check the Embedder Again');
    const toast = wb.page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'semantic search is still unavailable' });
    await toast.waitFor({ timeout: 30_000 });
    const texts = await recorded(wb.page);
    assert.ok(texts.length >= 1, 'the recorder saw the Lore item');
    assert.equal(new Set(texts).size, 1, `the item changed during the check: ${texts.join(' → ')}`);
    assert.match(texts[0], /Lore: keyword only/);
    await wb.screenshot('recheck-steady');
  });
});
