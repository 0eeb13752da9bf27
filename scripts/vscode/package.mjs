#!/usr/bin/env node
// `npm run package [-- --target linux-x64]`: makes the .vsix with @vscode/vsce (its
// vscode:prepublish step runs the production build), then checks its contents against the
// .vscodeignore allow-list: the native modules are in, nothing unexpected or big is.
//
// The native modules (better-sqlite3's .node, sqlite-vec's vec0) are those installed in
// node_modules, i.e. built for this machine's Node and platform. That suits code-server (which
// runs extensions on Node); desktop VS Code's Electron needs better-sqlite3 built for Electron's ABI:
// see README.md, "Packaging".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, build } from './lib.mjs';

const args = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const opt = (...names) => {
  const i = args.findIndex((a) => names.includes(a));
  return i >= 0 ? args[i + 1] : undefined;
};
const target = opt('--target');
const givenOut = opt('--out', '-o');
const vsix = path.resolve(REPO, givenOut ?? `${pkg.name}-${pkg.version}${target ? `-${target}` : ''}.vsix`);
const vsce = path.join(REPO, 'node_modules/@vscode/vsce/vsce');

// The platform whose ONNX Runtime library ships: the target's (vsce's names: linux-x64, darwin-arm64,
// win32-x64, ...), else this machine's. One ignore file per run: .vscodeignore plus that line.
const [platform, arch] = (target ?? `${process.platform}-${process.arch}`).split('-');
const ortDir = `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}`;
if (!fs.existsSync(path.join(REPO, ortDir))) {
  console.error(`No ONNX Runtime for ${platform}-${arch} in onnxruntime-node (${ortDir}): the built-in model cannot run there.`);
  process.exit(1);
}
const ignoreFile = path.join(REPO, '.vscodeignore.package');
fs.writeFileSync(ignoreFile, `${fs.readFileSync(path.join(REPO, '.vscodeignore'), 'utf8')}\n# added by package.mjs for ${platform}-${arch}\n!${ortDir}/*\n`);
process.on('exit', () => fs.rmSync(ignoreFile, { force: true }));

function run(cmdArgs) {
  cmdArgs = [...cmdArgs, '--ignoreFile', ignoreFile];
  const r = spawnSync(process.execPath, [vsce, ...cmdArgs], { cwd: REPO, encoding: 'utf8', env: { ...process.env, npm_config_nodedir: undefined } });
  const text = `${r.stdout}${r.stderr}`.split('\n').filter((l) => !/Unknown user config "nodedir"/.test(l)).join('\n');
  if (r.status !== 0) {
    console.error(text);
    throw new Error(`vsce ${cmdArgs[0]} failed (exit ${r.status})`);
  }
  return text;
}

// 1. What goes in (vsce ls applies .vscodeignore and the npm dependency tree).
const files = run(['ls']).split('\n').map((l) => l.trim()).filter((l) => l && !/^(WARNING|INFO|DONE)\b/.test(l));
const problems = [];
const need = [
  ['dist/extension.js', (f) => f === 'dist/extension.js'],
  ['better-sqlite3 native addon', (f) => /^node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/.test(f)],
  ['sqlite-vec loadable library', (f) => /^node_modules\/sqlite-vec-[\w-]+\/vec0\.(so|dylib|dll)$/.test(f)],
  ['bindings (better-sqlite3 loader)', (f) => f === 'node_modules/bindings/bindings.js'],
  ['ONNX Runtime binding', (f) => f === `${ortDir}/onnxruntime_binding.node`],
  ['ONNX Runtime JS', (f) => f === 'node_modules/onnxruntime-node/dist/index.js'],
  ['onnxruntime-common', (f) => f === 'node_modules/onnxruntime-common/dist/cjs/index.js'],
  ['schema migrations', (f) => /^schema\/\d+_.*\.sql$/.test(f)],
];
for (const [what, test] of need) if (!files.some(test)) problems.push(`missing: ${what}`);
const allowed = /^(package\.json|package\.nls(\.[\w-]+)?\.json|README\.md|LICENSE(\.\w+)?|CHANGELOG\.md|dist\/|media\/|schema\/|node_modules\/(better-sqlite3|bindings|file-uri-to-path|sqlite-vec(-[\w-]+)?|onnxruntime-node|onnxruntime-common)\/)/;
for (const f of files) {
  if (!allowed.test(f)) problems.push(`unexpected file: ${f}`);
  if (/^dist\/test\/|\.map$|\.ts$/.test(f)) problems.push(`should not ship: ${f}`);
  const size = fs.existsSync(path.join(REPO, f)) ? fs.statSync(path.join(REPO, f)).size : 0;
  if (f.startsWith('node_modules/onnxruntime-node/bin/') && !f.startsWith(`${ortDir}/`)) problems.push(`another platform's ONNX Runtime: ${f}`);
  // ONNX Runtime's own library is the one big file allowed (44 MB on linux-x64).
  if (size > 8 * 2 ** 20 && !(f.startsWith(`${ortDir}/`) && /onnxruntime/.test(f))) problems.push(`big file (${(size / 2 ** 20).toFixed(1)} MB): ${f}`);
}
if (problems.length) {
  console.error(`The .vsix contents do not match the allow-list:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

// 2. Package (runs vscode:prepublish = production build).
const text = run(['package', '--allow-missing-repository', ...(givenOut ? [] : ['--out', vsix]), ...args]);
console.log(text.trim());
// vscode:prepublish left a minified build without the test bundles in dist/: put the dev build back.
build();
const size = fs.statSync(vsix).size;
console.log(`\n${path.relative(process.cwd(), vsix)}: ${files.length} files, ${(size / 2 ** 20).toFixed(1)} MB` +
  `${target ? ` (target ${target})` : ''}. Native modules built for Node ${process.versions.node} (ABI ${process.versions.modules}), ${process.platform}-${process.arch}.`);
console.log('Install into code-server: node <code-server>/out/node/entry.js --install-extension ' + path.basename(vsix) +
  '; check it activates: LORE_E2E_VSIX=' + path.basename(vsix) + ' npm run test:e2e');
