// Shared machinery for the VS Code tiers and `npm start`: code-server 4.99.4 (VS Code 1.99.3) in its
// own process group with a fresh user-data-dir, fixture workspaces copied to a scratch folder, and
// Debian's Chromium driven by playwright-core. Recipe: ../../README.md "Testing" and the shared notes.
// Everything a run starts lives under one run folder; killRun() ends every process whose command
// line mentions it, with its process group and descendants, so nothing outlives a failed run.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.LORE_CHROMIUM || '/usr/bin/chromium';
export const FIXTURES = path.join(REPO, 'test/fixtures');
export const RESULTS = path.join(REPO, 'test-results');

/** Runs scripts/vscode/setup.sh (instant once done) and returns code-server's folder. */
export function ensureSetup() {
  if (process.env.LORE_CODE_SERVER_DIR && fs.existsSync(path.join(process.env.LORE_CODE_SERVER_DIR, 'out/node/entry.js'))) {
    return process.env.LORE_CODE_SERVER_DIR;
  }
  const r = spawnSync('bash', [path.join(REPO, 'scripts/vscode/setup.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/vscode/setup.sh failed (exit ${r.status})`);
  const dir = r.stdout.trim().split('\n').pop();
  process.env.LORE_CODE_SERVER_DIR = dir;
  return dir;
}

/** Builds dist/ (extension, CLI, worker, integration test bundles). */
export function build() {
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed (node esbuild.mjs)');
}

/** A fresh scratch folder for one run (user data, workspace copies, browser profile). */
export function makeRunDir(label = 'run') {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lore-vscode-${label}-`));
}

/** A port free on `host`: `preferred` when it is free, otherwise one the system picks. */
export async function freePort(preferred = 0, host = '127.0.0.1') {
  const listen = (port) => new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(port, host, () => {
      const { port: got } = srv.address();
      srv.close(() => resolve(got));
    });
  });
  return preferred ? listen(preferred).catch(() => listen(0)) : listen(0);
}

/**
 * Copies a fixture into the run folder so tests may change files freely. `fixture` is a name under
 * test/fixtures ('workspace', 'multiroot') or an absolute folder. Returns what code-server opens:
 * the folder, or the .code-workspace file when the fixture has one (multi-root).
 */
export function prepareWorkspace(runDir, fixture = 'workspace') {
  const src = path.isAbsolute(fixture) ? fixture : path.join(FIXTURES, fixture);
  if (!fs.existsSync(src)) throw new Error(`no fixture ${src}`);
  const dest = path.join(runDir, 'ws', path.basename(src));
  fs.cpSync(src, dest, { recursive: true });
  const wsFile = fs.readdirSync(dest).find((f) => f.endsWith('.code-workspace'));
  return wsFile
    ? { root: dest, workspaceFile: path.join(dest, wsFile), folders: workspaceFolders(path.join(dest, wsFile)) }
    : { root: dest, folder: dest, folders: [dest] };
}

function workspaceFolders(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  return json.folders.map((f) => path.resolve(path.dirname(file), f.path));
}

/**
 * What the extension host learns about a prepared workspace (README.md, "Testing"). Anything else
 * (LORE_TEST_OLLAMA_URL, LORE_ITEST_GREP, ...) reaches it because code-server inherits this environment.
 */
export function testEnv(ws) {
  return {
    LORE_TEST_WORKSPACE: ws.root,
    LORE_TEST_FOLDERS: ws.folders.join(path.delimiter),
    LORE_TEST_FIXTURES: FIXTURES,
    LORE_TEST_RESULTS: RESULTS,
  };
}

export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'github.gitAuthentication': false,
  'chat.commandCenter.enabled': false,
  'window.restoreWindows': 'none',
};

/**
 * Starts code-server in its own process group. `env` reaches the extension host (it inherits the
 * server's environment). Resolves once /healthz answers.
 */
export async function startCodeServer({ csDir, runDir, open, env = {}, settings = {}, port, extensionsDir, userDataDir, logFile, vsix, host = '127.0.0.1' }) {
  userDataDir ??= path.join(runDir, 'user-data');
  extensionsDir ??= path.join(runDir, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User/settings.json');
  const existing = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8') || '{}') : {};
  fs.writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...existing, ...settings }, null, 2));
  const entry = path.join(csDir, 'out/node/entry.js');
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (vsix) installVsix({ csDir, vsix, userDataDir, extensionsDir });

  port ??= await freePort();
  logFile ??= path.join(runDir, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const args = [entry, '--auth', 'none', '--bind-addr', `${host}:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', ...common];
  if (open) args.push(open);
  const child = spawn(process.execPath, args, {
    detached: true, // own process group (setsid): stop() ends the server and its hosts together
    stdio: ['ignore', out, out],
    env: { ...process.env, ...env, LORE_TEST_RUN_DIR: runDir },
  });
  fs.closeSync(out);
  recordPid(child.pid);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 150))]);
    if (early) throw new Error(`code-server exited at startup (${JSON.stringify(early)}); log: ${logFile}\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      killTrees([child.pid]);
      throw new Error(`code-server did not answer on ${url}/healthz within 60 s; log: ${logFile}\n${tail(logFile)}`);
    }
  }
  return { url, port, host, pid: child.pid, userDataDir, extensionsDir, logFile, exited, stop: () => killTrees([child.pid], { grace: 500 }) };
}

/** Installs a packaged .vsix into an extensions dir (code-server's --install-extension, ~0.5 s). */
export function installVsix({ csDir, vsix, userDataDir, extensionsDir }) {
  const r = spawnSync(process.execPath, [path.join(csDir, 'out/node/entry.js'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    '--install-extension', path.resolve(vsix), '--force'], { encoding: 'utf8' });
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
}

/**
 * The workbench URL on a folder or .code-workspace. With `extensionDevelopmentPath` the extension is
 * loaded from source (dist/); with `extensionTestsPath` the host runs that module's run() and the
 * page calls window.codeAutomationExit(code) when it settles.
 */
export function workbenchUrl(server, { folder, workspaceFile, extensionDevelopmentPath, extensionTestsPath }) {
  const q = new URLSearchParams();
  if (workspaceFile) q.set('workspace', workspaceFile);
  else if (folder) q.set('folder', folder);
  const remote = (p) => `vscode-remote://${server.host}:${server.port}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  payload.push(['skipWelcome', 'true']);
  q.set('payload', JSON.stringify(payload));
  return `${server.url}/?${q.toString()}`;
}

export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--mute-audio'];

/** Debian's Chromium through playwright-core (never `playwright install`), with a fresh profile. */
export async function launchBrowser(runDir, { width = 1400, height = 900 } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(runDir, 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    ignoreDefaultArgs: ['--headless'],
  });
  return context;
}

// ---- process cleanup ------------------------------------------------------------------------------

function recordPid(pid) {
  const file = process.env.LORE_TEST_PIDFILE;
  if (file) fs.appendFileSync(file, `${pid}\n`);
}

function procs() {
  const list = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      list.push({ pid: Number(d), ppid: Number(rest[1]), pgid: Number(rest[2]), cmd });
    } catch {
      /* gone */
    }
  }
  return list;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pids of `roots`, their process groups (unless it is ours) and every descendant, from one
 * listing of procs(); `groups` are those process groups.
 */
function family(all, roots) {
  const ownPgid = all.find((p) => p.pid === process.pid)?.pgid;
  const groups = new Set();
  for (const p of all) if (roots.has(p.pid) && p.pgid !== ownPgid && p.pgid > 1) groups.add(p.pgid);
  const pids = new Set([...roots].filter((pid) => pid !== process.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!pids.has(p.pid) && p.pid !== process.pid && (pids.has(p.ppid) || groups.has(p.pgid))) {
        pids.add(p.pid);
        grew = true;
      }
    }
  }
  return { pids, groups };
}

/** The pids of the processes whose command line mentions runDir (not this one). */
function mentioning(all, runDir) {
  return all.filter((p) => runDir && p.cmd.includes(runDir) && p.pid !== process.pid).map((p) => p.pid);
}

/** Kills the given roots, their process groups (unless it is ours) and every descendant. */
export function killTrees(roots, { grace = 2000 } = {}) {
  const { pids: targets, groups } = family(procs(), new Set(roots));
  const signal = (sig) => {
    for (const g of groups) try { process.kill(-g, sig); } catch { /* gone */ }
    for (const pid of targets) try { process.kill(pid, sig); } catch { /* gone */ }
  };
  signal('SIGTERM');
  const until = Date.now() + grace;
  while ([...targets].some(alive) && Date.now() < until) spawnSync('sleep', ['0.1']);
  signal('SIGKILL');
  return targets.size;
}

/** Ends every process of a run: those recorded in LORE_TEST_PIDFILE and any whose command line mentions runDir. */
export function killRun(runDir, pidFile = process.env.LORE_TEST_PIDFILE, { grace = 500 } = {}) {
  const roots = new Set();
  if (pidFile && fs.existsSync(pidFile)) {
    for (const l of fs.readFileSync(pidFile, 'utf8').split('\n')) if (/^\d+$/.test(l.trim())) roots.add(Number(l));
  }
  for (const pid of mentioning(procs(), runDir)) roots.add(pid);
  return killTrees([...roots].filter(alive), { grace });
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Peak memory of everything a run started (processes mentioning runDir, their groups and
 * descendants), as the sum of proportional set sizes (PSS: shared pages split between sharers).
 * Call sample() periodically; `peak` is in bytes.
 */
export function memorySampler(runDir) {
  let peak = 0;
  return {
    sample() {
      const all = procs();
      const { pids: picked } = family(all, new Set(mentioning(all, runDir)));
      let total = 0;
      for (const pid of picked) {
        try {
          const m = /^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
          if (m) total += Number(m[1]) * 1024;
        } catch { /* gone */ }
      }
      peak = Math.max(peak, total);
      return total;
    },
    get peak() { return peak; },
  };
}
