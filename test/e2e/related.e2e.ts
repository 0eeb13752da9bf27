// The Related view as a user meets it (code-server + Chromium) on the Rust book
// (../shared/corpora/rust-book/src, copied into the run's workspace): open a chapter, and the view
// beside it lists the chapters like it and the chapters that link to it. Keyword mode (no embedder),
// so the lists are the same on every machine; the expectations below were checked with
// createLore + related() on the same folder (ch10-00's section at line 1: ch10-02-traits and
// ch10-01-syntax are its first two similar passages; ch04-01 is linked from ch03-02-data-types:275 (titled Data Types),
// ch05-01-defining-structs:146 and :153, appendix-03:115 and :129 and SUMMARY.md:22).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { REPO } from '../../scripts/vscode/lib.mjs';
import { openWorkbench, type Workbench } from './harness';

const RUST_BOOK = path.resolve(process.env.LORE_RUST_BOOK ?? path.join(REPO, '../shared/corpora/rust-book/src'));
const missing = !fs.existsSync(path.join(RUST_BOOK, 'ch04-01-what-is-ownership.md'));

/** The rows of a sidebar pane's tree, as shown (label and description), top to bottom. */
async function rows(pane: Locator): Promise<string[]> {
  return pane.locator('.monaco-list-row').evaluateAll((els) =>
    els.map((el) => [el.querySelector('.label-name'), el.querySelector('.label-description')].map((e) => e?.textContent?.trim() ?? '').filter(Boolean).join(' ').replace(/\s+/g, ' ')),
  );
}

/** Quick Open (Go to File…), type the name, open it. */
async function openFile(wb: Workbench, name: string): Promise<void> {
  const page = wb.page;
  await wb.runCommand('Go to File...');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 20_000 });
}

/** Waits until the pane's rows satisfy `ok`; returns them (and what was last seen when it times out). */
async function waitForRows(page: Page, pane: Locator, ok: (rows: string[]) => boolean, what: string, timeoutMs = 30_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  let seen: string[] = [];
  for (;;) {
    seen = await rows(pane);
    if (ok(seen)) return seen;
    if (Date.now() > until) throw new Error(`${what}: not shown within ${timeoutMs} ms; rows: ${JSON.stringify(seen)}`);
    await page.waitForTimeout(250);
  }
}

describe('Related view on the Rust book', { skip: missing && `no Rust book at ${RUST_BOOK}` }, () => {
  let wb: Workbench;
  let related: Locator;
  before(async () => {
    wb = await openWorkbench({
      fixture: RUST_BOOK,
      settings: { 'lore.search.defaultMode': 'keyword', 'lore.embedding.provider': 'none' },
      viewport: { width: 1500, height: 1000 },
    });
    const page = wb.page;
    // Every chapter indexed (the count shows "0 docs" while the first pass is scanning).
    const chapters = fs.readdirSync(RUST_BOOK, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).length;
    await wb.waitForStatusBar(new RegExp(`Lore: ${chapters} docs`), 120_000);
    await wb.openView('Lore');
    related = page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: 'Related' }) });
    await related.waitFor({ timeout: 20_000 });
    // Room for the Related view: the other Lore views folded.
    for (const name of ['Search', 'Sessions', 'Memories', 'Index Status']) {
      const header = page.locator('.sidebar .pane-header', { hasText: name }).first();
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
  });
  after(async () => {
    await wb?.close();
  });

  it('with no editor open, says to open a markdown file', async () => {
    await related.locator('.message', { hasText: 'Open a markdown file' }).first().waitFor({ timeout: 20_000 });
  });

  it('opening ch10-00 (Generics) lists the other chapter-10 sections among its first 5 similar passages, by keywords', { timeout: 120_000 }, async () => {
    await openFile(wb, 'ch10-00-generics.md');
    const shown = await waitForRows(wb.page, related, (r) => r.some((t) => /^Similar by keywords/.test(t)) && r.some((t) => t.startsWith('Links to here')), 'the Similar group');
    const start = shown.findIndex((t) => t.startsWith('Similar'));
    const end = shown.findIndex((t) => t.startsWith('Links to here'));
    const firstFive = shown.slice(start + 1, end).slice(0, 5);
    assert.equal(firstFive.length, 5, `at least 5 similar passages: ${JSON.stringify(shown)}`);
    assert.ok(firstFive.some((t) => t.includes('ch10-02-traits.md:')), `ch10-02-traits among the first 5: ${JSON.stringify(firstFive)}`);
    assert.ok(firstFive.some((t) => t.includes('ch10-01-syntax.md:')), `ch10-01-syntax among the first 5: ${JSON.stringify(firstFive)}`);
    assert.ok(!firstFive.some((t) => t.includes('ch10-00-generics.md')), 'not the chapter itself');
    await related.locator('.pane-header', { hasText: 'ch10-00-generics.md' }).waitFor({ timeout: 10_000 }); // the view's description
    await wb.page.mouse.move(900, 600); // no hover tooltip in the picture
    await wb.screenshot('related-view');
  });

  it('opening ch04-01 (What Is Ownership?) lists the chapters that link to it, each opening at the link', { timeout: 120_000 }, async () => {
    const page = wb.page;
    await openFile(wb, 'ch04-01-what-is-ownership.md');
    await waitForRows(page, related, (r) => r.some((t) => t === 'Links to here 6'), 'six links to ch04-01');
    // Fold Similar so that the backlinks are on screen.
    await related.locator('.monaco-list-row', { hasText: /^Similar/ }).first().click();
    const shown = await waitForRows(page, related, (r) => r.some((t) => t.startsWith('Data Types L275:')), 'the backlink from ch03-02');
    const start = shown.findIndex((t) => t.startsWith('Links to here'));
    const end = shown.findIndex((t) => t.startsWith('Links from here'));
    const backlinks = shown.slice(start + 1, end);
    assert.equal(backlinks.length, 6, JSON.stringify(shown));
    for (const from of ['Data Types L275:', 'Defining and Instantiating Structs L146:', 'Defining and Instantiating Structs L153:', 'Appendix C: Derivable Traits L115:', 'The Rust Programming Language L22:']) {
      assert.ok(backlinks.some((t) => t.startsWith(from)), `${from} in ${JSON.stringify(backlinks)}`);
    }
    // The preview is the linking line.
    assert.match(backlinks.find((t) => t.startsWith('Data Types L275'))!, /L275: stack and the heap more in \[Chapter 4\]\[stack-and-heap\]/);
    await page.mouse.move(900, 600);
    await wb.screenshot('related-backlinks');
    // Clicking one opens the linking chapter at its line.
    await related.locator('.monaco-list-row', { hasText: 'L275: stack and the heap' }).first().click();
    await page.locator('.tabs-container .tab.active', { hasText: 'ch03-02-data-types.md' }).waitFor({ timeout: 20_000 });
    await wb.waitForStatusBar(/Ln 275, Col 1/, 20_000);
  });
});
