#!/usr/bin/env node
// `npm start [folder]`: builds Lore, then opens it in a local VS Code (code-server 4.99.4) on the
// folder (or .code-workspace file). Without a folder it opens a scratch copy of the sample workspace
// (test/fixtures/workspace). Rebuilds on change (reload the window to pick it up); Ctrl-C stops all.
//
// Options: --port N (default 8080, or a free one when taken), --host H (default 127.0.0.1),
//          --no-watch, --fresh (forget the saved VS Code state in the cache folder).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, build, ensureSetup, freePort, killRun, killTrees, makeRunDir, prepareWorkspace, startCodeServer, workbenchUrl } from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv.splice(i, 2)[1] : undefined;
};
const flag = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? (argv.splice(i, 1), true) : false;
};
const host = opt('--host') ?? '127.0.0.1';
const wantedPort = Number(opt('--port') ?? process.env.PORT ?? 8080);
const watch = !flag('--no-watch');
const fresh = flag('--fresh');
const target = argv[0];

const cache = process.env.LORE_TEST_CACHE ?? path.join(os.homedir(), '.cache/lore-test');
const state = path.join(cache, 'start'); // VS Code state (settings, Lore's index) kept between starts
if (fresh) fs.rmSync(state, { recursive: true, force: true });
const runDir = makeRunDir('start');
let server;
let watcher;

function stop(code = 0) {
  if (watcher && watcher.exitCode === null) killTrees([watcher.pid], { grace: 500 });
  if (server) server.stop();
  killRun(runDir, null);
  fs.rmSync(runDir, { recursive: true, force: true });
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {
  console.log('\nstopping code-server');
  stop(0);
});

try {
  console.log('== building');
  build();
  const csDir = ensureSetup();
  let open;
  let ws;
  if (target) {
    open = path.resolve(target);
    if (!fs.existsSync(open)) throw new Error(`no such folder or workspace file: ${open}`);
    ws = open.endsWith('.code-workspace') ? { workspaceFile: open } : { folder: open };
  } else {
    ws = prepareWorkspace(runDir, 'workspace'); // a scratch copy: edit it freely
    open = ws.workspaceFile ?? ws.folder;
  }
  const port = await freePort(wantedPort, host);
  server = await startCodeServer({
    csDir, runDir, open, host, port,
    userDataDir: path.join(state, 'user-data'),
    extensionsDir: path.join(state, 'extensions'),
  });
  if (watch) {
    watcher = spawn(process.execPath, ['esbuild.mjs', '--watch'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const url = workbenchUrl(server, { folder: ws.folder, workspaceFile: ws.workspaceFile, extensionDevelopmentPath: REPO });
  console.log(`\nLore is running in VS Code (code-server) on ${open}\n\n  ${url}\n`);
  console.log(`Open that URL in a browser (it loads Lore from ${path.relative(process.cwd(), REPO) || '.'}/dist).` +
    `${watch ? ' Rebuilds on change; "Developer: Reload Window" picks them up.' : ''} Ctrl-C stops.`);
  console.log(`code-server log: ${server.logFile}`);
  const e = await server.exited;
  console.error(`code-server exited (${JSON.stringify(e)})`);
  stop(1);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  stop(1);
}
