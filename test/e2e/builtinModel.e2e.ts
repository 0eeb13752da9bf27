// Semantic search with zero setup: a fresh profile, no Ollama. Lore offers the built-in model once
// (size, licence, source); after the user agrees it downloads it (here a tiny test model from a
// local model hub: no model hub is reachable on these machines) and semantic and hybrid search go
// live. A user who says "Not Now" is not asked again, and can download later from Index Status.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ModelHub, startModelHub } from '../fixtures/modelHub';
import { tinyModel, writeCatalogue } from '../fixtures/tinyModel';
import { openWorkbench, type Workbench } from './harness';

const OFFER = 'semantic search can run on this machine with the built-in model lore-tiny-test';

async function setup(): Promise<{ hub: ModelHub; env: Record<string, string>; dir: string }> {
  const model = tinyModel();
  const hub = await startModelHub(model);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-e2e-model-'));
  return { hub, dir, env: { LORE_MODEL_CATALOG: writeCatalogue(dir, model), LORE_MODEL_HUB: hub.url } };
}

/** A model hub and a workbench on a fresh profile for the suite; getters, since both start in before(). */
function workbenchWithModelHub(): { wb: () => Workbench; hub: () => ModelHub } {
  let wb: Workbench | undefined;
  let hub: ModelHub | undefined;
  let dir: string | undefined;
  before(async () => {
    const s = await setup();
    hub = s.hub;
    dir = s.dir;
    wb = await openWorkbench({ env: s.env, settings: SETTINGS });
  });
  after(async () => {
    await wb?.close();
    await hub?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return { wb: () => wb!, hub: () => hub! };
}

// No Ollama: nothing listens on port 9, so `auto` chooses the built-in model at once.
const SETTINGS = { 'lore.embedding.host': 'http://127.0.0.1:9', 'lore.embedding.builtinModel': 'lore-tiny-test', 'lore.search.defaultMode': 'hybrid' };

async function expectHybrid(wb: Workbench): Promise<void> {
  const page = wb.page;
  await wb.runCommand('Lore: Show Index Status');
  const live = page.locator('.sidebar .monaco-list-row', { hasText: /Semantic search: live: built-in lore-tiny-test \(32 dims\)/ }).first();
  await live.waitFor({ timeout: 60_000 });
  // Live means the model answers; the documents are embedded a moment later, and until then a
  // search honestly says "keyword: the vectors are not built yet". Wait for what a user would see:
  // the embedding queue empty.
  await page.locator('.sidebar .monaco-list-row', { hasText: /Embedding queue: 0 pending/ }).first().waitFor({ timeout: 60_000 });
  await wb.runCommand('Lore: Search');
  await page.locator('.quick-input-widget .quick-input-box input').fill('postgres ledger');
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 20_000 });
  // The title says the mode used, and why when it fell back to keyword.
  const title = page.locator('.quick-input-widget .quick-input-title', { hasText: /^Lore: Search \(/ });
  await title.waitFor({ timeout: 20_000 });
  assert.match(await title.innerText(), /^Lore: Search \(hybrid\)$/, 'hybrid search, no keyword fallback');
}

describe('built-in model: the consent notification, accepted', () => {
  const suite = workbenchWithModelHub();

  it('asks once, with size and licence; Download makes semantic and hybrid search live', { timeout: 180_000 }, async () => {
    const wb = suite.wb();
    const hub = suite.hub();
    const page = wb.page;
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: OFFER });
    await toast.first().waitFor({ timeout: 90_000 });
    assert.match(await toast.first().innerText(), /lore-tiny-test \(\d+ KB, MIT \(test model\) licence\) from 127\.0\.0\.1:\d+/);
    assert.equal(await toast.count(), 1, 'one offer, not one per status change');
    assert.equal(hub.requests.length, 0, 'nothing downloaded before the user agrees');
    await wb.screenshot('builtin-consent');
    await toast.locator('.monaco-button', { hasText: 'Download' }).click();
    await expectHybrid(wb);
    assert.ok(hub.requests.some((r) => r.path.endsWith('onnx/model.onnx') && r.status === 200), 'the model came from the hub');
    await page.keyboard.press('Escape');
    await wb.screenshot('builtin-live');
    assert.equal(await page.locator('.notifications-toasts .notification-list-item', { hasText: OFFER }).count(), 0, 'the offer is gone');
  });
});

describe('built-in model: the consent notification, declined', () => {
  const suite = workbenchWithModelHub();

  it('"Not Now" downloads nothing and is not asked again after a reload; Index Status still offers the download', { timeout: 240_000 }, async () => {
    const wb = suite.wb();
    const hub = suite.hub();
    const page = wb.page;
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: OFFER });
    await toast.first().waitFor({ timeout: 90_000 });
    await toast.locator('.monaco-button', { hasText: 'Not Now' }).click();
    await wb.waitForStatusBar(/Lore: keyword only/, 30_000);
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await wb.runCommand('Developer: Reload Window');
    await reloaded;
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await wb.waitForStatusBar(/Lore: keyword only/, 90_000);
    await wb.runCommand('Lore: Show Index Status');
    const off = page.locator('.sidebar .monaco-list-row', { hasText: 'searchable by keyword' }).first();
    await off.waitFor({ timeout: 30_000 });
    assert.match((await off.innerText()).replace(/\s+/g, ' '), /semantic search off: the built-in model lore-tiny-test is not downloaded yet/);
    assert.equal(await toast.count(), 0, 'not asked again');
    assert.equal(hub.requests.length, 0, 'nothing downloaded');
    await page.locator('.sidebar .monaco-list-row', { hasText: 'Semantic search: keyword only' }).first().click(); // its fixes
    const download = page.locator('.sidebar .monaco-list-row', { hasText: /Download lore-tiny-test/ }).first();
    await download.waitFor({ timeout: 10_000 });
    await wb.screenshot('builtin-declined');
    await download.click();
    await expectHybrid(wb);
    await page.keyboard.press('Escape');
  });
});
