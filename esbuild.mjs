// Bundles each entry point into dist/ as CommonJS for Node 20 (and VS Code's extension host).
// Native and binary-loading modules stay external and ship beside the bundle in node_modules.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const options = {
  entryPoints: {
    cli: 'src/cli/main.ts',
    parseWorker: 'src/core/index/parseWorker.ts',
    checkWorker: 'src/core/storage/sqlite/checkWorker.ts', // the index's quick check, off the editor's thread
    writeWorker: 'src/core/storage/sqlite/writeWorker.ts', // the index's large writes, off the editor's thread
    embedWorker: 'src/core/embed/embedWorker.ts', // document embedding requests, off the editor's thread
    mcp: 'src/mcp/main.ts', // the MCP server over stdio: `node dist/mcp.js --db PATH | <folder>`
    extension: 'src/extension/extension.ts', // the VS Code extension
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'better-sqlite3', 'sqlite-vec', 'onnxruntime-node'],
  logLevel: 'warning',
};

// Integration tests (mocha inside the extension host): the suite runner dist/test/suite/index.js and
// one bundle per test/integration/**/*.itest.ts under dist/test/integration/, which the runner finds.
const itests = [];
const collect = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) collect(p);
    else if (e.name.endsWith('.itest.ts')) itests.push(p);
  }
};
collect('test/integration');
const testOptions = {
  ...options,
  entryPoints: Object.fromEntries([
    ['suite/index', 'test/integration/index.ts'],
    ...itests.map((f) => [path.join('integration', path.relative('test/integration', f)).replace(/\.ts$/, ''), f]),
  ]),
  outdir: 'dist/test',
  sourcemap: true,
  minify: false,
  external: [...options.external, 'mocha'],
};
// A production build (npm run package) leaves the tests out.
const builds = production ? [options] : [options, testOptions];
// Remove bundles of deleted itests (and all of dist/test for production), file by file: another
// test run may be reading dist/test right now, so the folder is never emptied wholesale.
const keep = new Set(production ? [] : Object.keys(testOptions.entryPoints).flatMap((e) => [`${e}.js`, `${e}.js.map`]));
const prune = (dir) => {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) prune(p);
    else if (!keep.has(path.relative('dist/test', p))) fs.rmSync(p, { force: true });
  }
};
prune('dist/test');

if (watch) {
  for (const o of builds) await (await esbuild.context(o)).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((o) => esbuild.build(o)));
}
