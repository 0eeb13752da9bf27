#!/usr/bin/env node
// Runs the VS Code tiers in code-server 4.99.4 (VS Code 1.99.3) driven by Debian's Chromium.
//
//   node scripts/vscode/run-tests.mjs [integration|e2e|all|vsix] [--no-build]
//
// integration: mocha inside the extension host. Each suite runs in a fresh code-server (fresh
//   user-data-dir, fresh copy of its fixture): test/integration/*.itest.ts on test/fixtures/workspace,
//   test/integration/multiroot/*.itest.ts on test/fixtures/multiroot/lore.code-workspace.
//   The page calls window.codeAutomationExit(code) when the suite settles; that is the exit code.
// e2e: test/e2e/*.e2e.ts under node:test (tsx), one at a time; each opens its own workbench with
//   test/e2e/harness.ts. Screenshots and logs go to test-results/.
// vsix: `npm run package`, then the e2e smoke test against the installed .vsix (it installs and
//   activates, native modules included).
// Environment: LORE_TEST_OLLAMA_URL (passed to the extension host), LORE_ITEST_GREP / LORE_ITEST_FILES
//   (subset of itests), LORE_E2E_FILES (subset of e2e files), LORE_E2E_VSIX (e2e against an installed .vsix instead of the source tree),
//   LORE_TIER_TIMEOUT (seconds per suite, default 480), LORE_KEEP_RUN=1 (keep the scratch folders).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import {
  REPO, RESULTS as results, build, ensureSetup, killRun, killTrees, launchBrowser, makeRunDir, memorySampler, prepareWorkspace, startCodeServer, testEnv,
  workbenchUrl,
} from './lib.mjs';

const argv = process.argv.slice(2);
const tier = argv.find((a) => !a.startsWith('--')) ?? 'all';
const flags = new Set(argv.filter((a) => a.startsWith('--')));
const tierTimeoutMs = (Number(process.env.LORE_TIER_TIMEOUT) || 480) * 1000;
const extensionDevelopmentPath = process.env.LORE_EXTENSION_PATH ? path.resolve(process.env.LORE_EXTENSION_PATH) : REPO;
const keep = process.env.LORE_KEEP_RUN === '1';
/** Scratch folders of runs in progress: a signal ends their processes. */
const active = new Map(); // runDir -> pidFile

const SUITES = [
  { name: 'single-folder', suite: '', fixture: 'workspace' },
  { name: 'multiroot', suite: 'multiroot', fixture: 'multiroot' },
];

/** Lines of the browser console that are noise here (no gallery, no network). */
const NOISE = new RegExp([
  'gallery', 'marketplace', 'open-vsx', 'ERR_NAME_NOT_RESOLVED', 'ENOTFOUND', 'Failed to load resource', 'net::ERR', 'vscode-unpkg',
  'update\\.code\\.visualstudio', '\\[perf\\]', 'connection token', 'Creating a socket', 'ChatSessionStore', 'builtin extensions cache',
  'Service Worker', 'same-origin iframe', 'allow-scripts and allow-same-origin', 'Creation of workbench contribution',
].join('|'), 'i');

function fmtMs(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function runIntegrationSuite(csDir, { name, suite, fixture }) {
  const started = Date.now();
  const out = path.join(results, 'integration', name);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const runDir = makeRunDir('itest');
  const pidFile = path.join(runDir, 'pids');
  process.env.LORE_TEST_PIDFILE = pidFile;
  active.set(runDir, pidFile);
  const mem = memorySampler(runDir);
  const sampling = setInterval(() => mem.sample(), 500);
  const hostLog = [];
  const resultFile = path.join(runDir, 'result.json'); // per run: test-results/ may be shared by concurrent runs
  let context;
  let server;
  try {
    const ws = prepareWorkspace(runDir, fixture);
    server = await startCodeServer({
      csDir, runDir, open: ws.workspaceFile ?? ws.folder, logFile: path.join(out, 'code-server.log'),
      env: { ...testEnv(ws), LORE_ITEST_SUITE: suite, LORE_ITEST_RESULT: resultFile },
    });
    context = await launchBrowser(runDir);
    const page = context.pages()[0] ?? (await context.newPage());
    let settle;
    const exit = new Promise((resolve) => (settle = resolve));
    // The workbench's log, which includes the extension host's console (mocha's reporter) in
    // extension development mode.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      if (!NOISE.test(text)) hostLog.push(type === 'info' ? text : `[${type}] ${text}`);
      // A crashed host never reports back: fail now rather than at the timeout.
      if (/extension host .*terminated unexpectedly/i.test(text)) settle({ code: 1, reason: 'the extension host crashed' });
    });
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      for (const l of logs ?? []) {
        const file = path.join(out, 'logs', l.relativePath);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, l.contents);
      }
      hostLog.push(`[codeAutomationExit] ${JSON.stringify(code)}`);
      settle(typeof code === 'number' ? { code } : { code: 1, reason: `exit code ${String(code)}` });
    });
    page.on('pageerror', (err) => hostLog.push(`[pageerror] ${err.message}`));
    const url = workbenchUrl(server, {
      folder: ws.folder, workspaceFile: ws.workspaceFile, extensionDevelopmentPath,
      extensionTestsPath: path.join(extensionDevelopmentPath, 'dist/test/suite/index'),
    });
    await page.goto(url);
    let timer;
    const result = await Promise.race([
      exit,
      server.exited.then((e) => ({ code: 1, reason: `code-server exited during the suite (${JSON.stringify(e)})` })),
      new Promise((resolve) => (timer = setTimeout(() => resolve({ code: 1, reason: `timed out after ${fmtMs(tierTimeoutMs)}` }), tierTimeoutMs))),
    ]);
    clearTimeout(timer);
    // Exit code 0 also comes when the host died mid-suite: only the suite's own report counts.
    const report = fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : undefined;
    if (result.code === 0 && !result.reason) {
      if (!report) Object.assign(result, { code: 1, reason: 'the suite never reported its results (extension host crashed or exited?)' });
      else if (report.tests === 0) Object.assign(result, { code: 1, reason: 'no tests ran' });
      else if (report.failures > 0) Object.assign(result, { code: 1, reason: `${report.failures} failed` });
    }
    if (result.code !== 0 || result.reason) await page.screenshot({ path: path.join(out, 'failure.png') }).catch(() => {});
    return { name, code: result.code, reason: result.reason, report, ms: Date.now() - started, peak: mem.peak };
  } catch (err) {
    return { name, code: 1, reason: err instanceof Error ? err.message : String(err), ms: Date.now() - started, peak: mem.peak };
  } finally {
    clearInterval(sampling);
    mem.sample();
    fs.writeFileSync(path.join(out, 'host.log'), hostLog.join('\n') + '\n');
    console.log(`---- extension host / workbench log (${name}) ----`);
    console.log(hostLog.join('\n'));
    console.log('----');
    await context?.close().catch(() => {});
    killRun(runDir, pidFile);
    active.delete(runDir);
    if (server) printServerErrors(server.userDataDir);
    if (!keep) fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/** Extension activation failures land in the server's exthost log, not the page. */
function printServerErrors(userDataDir) {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return;
  const hits = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/exthost/i.test(p) && e.name.endsWith('.log')) {
        for (const l of fs.readFileSync(p, 'utf8').split('\n')) if (/\[error\]/.test(l) && !NOISE.test(l)) hits.push(l);
      }
    }
  };
  walk(logs);
  if (hits.length) console.log(`---- extension host errors (server log) ----\n${hits.slice(0, 40).join('\n')}\n----`);
}

async function runIntegration(csDir) {
  const built = path.join(extensionDevelopmentPath, 'dist/test/integration');
  const outcomes = [];
  for (const s of SUITES) {
    const dir = path.join(built, s.suite);
    const only = (process.env.LORE_ITEST_FILES ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    const has = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.itest.js') && (only.length === 0 || only.some((o) => f.includes(o))));
    if (!has) {
      console.log(`== integration (${s.name}): no tests`);
      continue;
    }
    console.log(`== integration (${s.name}) on test/fixtures/${s.fixture}`);
    const r = await runIntegrationSuite(csDir, s);
    const counts = r.report ? ` (${r.report.passes}/${r.report.tests} tests passed${r.report.pending ? `, ${r.report.pending} pending` : ''}, ${r.report.files} files)` : '';
    console.log(`== integration (${s.name}): ${r.code === 0 ? 'passed' : `FAILED${r.reason ? `: ${r.reason}` : ''}`}${counts} in ${fmtMs(r.ms)}, peak memory ${(r.peak / 2 ** 20).toFixed(0)} MB`);
    outcomes.push(r);
  }
  if (outcomes.length === 0) {
    console.log('integration: no suites found (build first: node esbuild.mjs)');
    return 1;
  }
  return outcomes.every((r) => r.code === 0) ? 0 : 1;
}

async function runE2e(csDir) {
  const dir = path.join(REPO, 'test/e2e');
  const only = (process.env.LORE_E2E_FILES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const files = (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
    .filter((f) => f.endsWith('.e2e.ts') && (only.length === 0 || only.some((o) => f.includes(o))))
    .sort()
    .map((f) => path.join('test/e2e', f));
  if (files.length === 0) {
    console.log('== e2e: no tests');
    return 0;
  }
  const started = Date.now();
  const runDir = makeRunDir('e2e');
  const pidFile = path.join(runDir, 'pids');
  active.set(runDir, pidFile);
  const mem = memorySampler(runDir);
  const sampling = setInterval(() => mem.sample(), 500);
  fs.mkdirSync(path.join(results, 'e2e'), { recursive: true });
  console.log(`== e2e (${files.length} files)${process.env.LORE_E2E_VSIX ? ` against ${process.env.LORE_E2E_VSIX}` : ''}`);
  let child;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
      cwd: REPO,
      stdio: 'inherit',
      env: { ...process.env, LORE_CODE_SERVER_DIR: csDir, LORE_TEST_PIDFILE: pidFile, LORE_E2E_RUN_DIR: runDir, LORE_TEST_RESULTS: results },
    });
    let timer;
    const code = await Promise.race([
      new Promise((resolve) => child.once('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)))),
      new Promise((resolve) => (timer = setTimeout(() => { console.log(`e2e: timed out after ${fmtMs(tierTimeoutMs)}`); resolve(1); }, tierTimeoutMs))),
    ]);
    clearTimeout(timer);
    console.log(`== e2e: ${code === 0 ? 'passed' : 'FAILED'} in ${fmtMs(Date.now() - started)}, peak memory ${(mem.peak / 2 ** 20).toFixed(0)} MB; screenshots in test-results/e2e/`);
    return code;
  } finally {
    clearInterval(sampling);
    if (child && child.exitCode === null && child.signalCode === null) killTrees([child.pid]);
    killRun(runDir, pidFile);
    active.delete(runDir);
    if (!keep) fs.rmSync(runDir, { recursive: true, force: true });
  }
}

async function main() {
  if (!['integration', 'e2e', 'all', 'vsix'].includes(tier)) {
    console.error('usage: run-tests.mjs [integration|e2e|all|vsix] [--no-build]');
    return 2;
  }
  if (tier === 'vsix') {
    const started = Date.now();
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    const vsix = path.join(REPO, `${pkg.name}-${pkg.version}.vsix`);
    const r = spawnSync(process.execPath, ['scripts/vscode/package.mjs', '--out', vsix], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) return 1;
    console.log(`== packaged in ${fmtMs(Date.now() - started)}`);
    process.env.LORE_E2E_VSIX = vsix;
    process.env.LORE_E2E_FILES ??= 'smoke';
    return runE2e(ensureSetup());
  }
  if (!flags.has('--no-build')) build();
  const csDir = ensureSetup();
  let code = 0;
  if (tier === 'integration' || tier === 'all') code = (await runIntegration(csDir)) || code;
  if (tier === 'e2e' || tier === 'all') code = (await runE2e(csDir)) || code;
  return code;
}

// Ctrl-C / SIGTERM: process.exit skips the finally blocks above, so end the runs in progress here.
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${sig}: stopping code-server and Chromium`);
    for (const [runDir, pidFile] of active) {
      killRun(runDir, pidFile);
      if (!keep) fs.rmSync(runDir, { recursive: true, force: true });
    }
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
