// UI test harness: a real VS Code (code-server 4.99.4 = VS Code 1.99.3) with Lore loaded, driven by
// Debian's Chromium through playwright-core. Each openWorkbench() starts its own code-server (own
// process group, fresh user-data-dir, fresh copy of the fixture) and browser; close() ends both.
//
//   const wb = await openWorkbench();                 // test/fixtures/workspace, Lore activated
//   after(() => wb.close());
//   await wb.runCommand('Lore: Search');
//   await wb.screenshot('search-open');               // -> test-results/e2e/search-open.png
//
// Run: `npm run test:e2e`, or one file: `node --import tsx --test test/e2e/smoke.e2e.ts`.
// By default Lore loads from this checkout's dist/ (extensionDevelopmentPath in the URL payload;
// build first). With LORE_E2E_VSIX=path.vsix (or opts.vsix) the packaged extension is installed
// instead, which checks that the .vsix installs and activates.
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import {
  REPO, ensureSetup, killRun, launchBrowser, makeRunDir, prepareWorkspace, startCodeServer, testEnv, workbenchUrl,
  type CodeServer, type PreparedWorkspace,
} from '../../scripts/vscode/lib.mjs';

/** The extension under test: this checkout (or LORE_EXTENSION_PATH). */
export const EXTENSION_PATH = path.resolve(process.env.LORE_EXTENSION_PATH ?? REPO);
export const RESULTS_DIR = path.join(process.env.LORE_TEST_RESULTS ?? path.join(REPO, 'test-results'), 'e2e');

export interface OpenOptions {
  /** A fixture under test/fixtures ('workspace' default, 'multiroot') or an absolute folder (copied). */
  fixture?: string;
  /** Environment for code-server and so the extension host (e.g. LORE_TEST_OLLAMA_URL). */
  env?: Record<string, string>;
  /** Extra user settings (merged over the harness defaults), e.g. { 'lore.search.defaultMode': 'keyword' }. */
  settings?: Record<string, unknown>;
  /** Install this .vsix instead of loading the checkout (default: $LORE_E2E_VSIX). */
  vsix?: string;
  /** Wait for the Lore activity-bar item before returning (default true). */
  waitForLore?: boolean;
  /** Browser viewport. */
  viewport?: { width: number; height: number };
}

export interface Workbench {
  page: Page;
  context: BrowserContext;
  server: CodeServer;
  /** The copied fixture: root, folder or workspaceFile, folders. Tests may change files there. */
  workspace: PreparedWorkspace;
  runCommand(title: string): Promise<void>;
  waitForActivityBarItem(name: string, timeoutMs?: number): Promise<Locator>;
  openView(name: string): Promise<void>;
  /** Waits until a status-bar item's text matches `pattern` and returns that text. */
  waitForStatusBar(pattern: RegExp, timeoutMs?: number): Promise<string>;
  screenshot(name: string): Promise<string>;
  /** Texts of the notification toasts on screen. */
  notifications(): Promise<string[]>;
  close(): Promise<void>;
}

const open = new Set<Workbench>();
// code-server runs in its own process group, so a Ctrl-C on the terminal does not reach it: stop
// it on exit (playwright closes Chromium on its own); a signal exits, which runs this.
process.once('exit', () => {
  for (const wb of open) wb.server.stop();
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

export async function openWorkbench(opts: OpenOptions = {}): Promise<Workbench> {
  const csDir = ensureSetup();
  const parent = process.env.LORE_E2E_RUN_DIR;
  const runDir = parent ? fs.mkdtempSync(path.join(parent, 'wb-')) : makeRunDir('e2e');
  const vsix = opts.vsix ?? process.env.LORE_E2E_VSIX;
  if (!vsix && !fs.existsSync(path.join(EXTENSION_PATH, 'dist/extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  const cleanup = async () => {
    await context?.close().catch(() => {});
    if (server) server.stop();
    killRun(runDir, null);
    if (process.env.LORE_KEEP_RUN !== '1') fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const workspace = prepareWorkspace(runDir, opts.fixture ?? 'workspace');
    server = await startCodeServer({
      csDir,
      runDir,
      open: workspace.workspaceFile ?? workspace.folder,
      vsix: vsix ? path.resolve(REPO, vsix) : undefined,
      settings: opts.settings,
      env: { ...testEnv(workspace), ...opts.env },
    });
    context = await launchBrowser(runDir, opts.viewport);
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    const url = workbenchUrl(server, {
      folder: workspace.folder,
      workspaceFile: workspace.workspaceFile,
      extensionDevelopmentPath: vsix ? undefined : EXTENSION_PATH,
    });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const wb: Workbench = {
      page,
      context,
      server,
      workspace,
      runCommand: (title) => runCommand(page, title),
      waitForActivityBarItem: (name, timeoutMs) => waitForActivityBarItem(page, name, timeoutMs),
      openView: (name) => openView(page, name),
      waitForStatusBar: (pattern, timeoutMs) => waitForStatusBar(page, pattern, timeoutMs),
      screenshot: (name) => screenshot(page, name),
      notifications: () => notifications(page),
      close: async () => {
        open.delete(wb);
        await cleanup();
      },
    };
    open.add(wb);
    if (opts.waitForLore ?? true) await waitForActivityBarItem(page, 'Lore', 60_000);
    return wb;
  } catch (err) {
    if (context) {
      const page = context.pages()[0];
      if (page) await screenshot(page, `openWorkbench-failure-${Date.now()}`).catch(() => {});
    }
    await cleanup();
    throw err;
  }
}

/** The activity-bar item whose label starts with `name` (remote contributions arrive after the workbench). */
export async function waitForActivityBarItem(page: Page, name: string, timeoutMs = 30_000): Promise<Locator> {
  const item = page.locator(`.activitybar .action-item a[aria-label^="${name}"]`).first();
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  return item;
}

/** Clicks the activity-bar item `name` unless its view container is already showing. */
export async function openView(page: Page, name: string): Promise<void> {
  const item = await waitForActivityBarItem(page, name);
  const checked = await item.evaluate((el) => el.closest('.action-item')?.classList.contains('checked') ?? false);
  if (!checked) await item.click();
  await page.locator(`.sidebar .composite.title h2:has-text("${name}")`).first().waitFor({ timeout: 15_000 }).catch(() => {});
}

/** Waits until a status-bar item's text (icons excluded) matches `pattern`; returns that text. */
export async function waitForStatusBar(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const items = page.locator('.part.statusbar .statusbar-item');
  const deadline = Date.now() + timeoutMs;
  let seen: string[] = [];
  for (;;) {
    seen = (await items.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    const hit = seen.find((t) => pattern.test(t));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no status-bar item matched ${pattern} within ${timeoutMs} ms; shown: ${JSON.stringify(seen)}`);
    await page.waitForTimeout(250);
  }
}

/** Runs a command by its palette title through F1, e.g. runCommand(page, 'Lore: Reindex Workspace'). */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 }, force: true }).catch(() => {});
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      // Prefer the row whose label is exactly the title (not a longer command containing it).
      const rows = page.locator('.quick-input-list .monaco-list-row');
      const count = await rows.count();
      for (let i = 0; i < count; i++) {
        const label = (await rows.nth(i).getAttribute('aria-label')) ?? '';
        if (label === title || label.startsWith(`${title},`)) {
          await rows.nth(i).click();
          return;
        }
      }
      await row.click();
      return;
    } catch (err) {
      if (attempt >= 3) throw new Error(`command "${title}" not found in the palette: ${(err as Error).message}`);
      await page.waitForTimeout(1000); // contributions still arriving
    }
  }
}

/** Saves a full-window screenshot under test-results/e2e/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts();
}
