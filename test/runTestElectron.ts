// Runs the integration suites in desktop VS Code (Electron) with @vscode/test-electron, for
// contributors with internet access: it downloads VS Code (cached in .vscode-test/). The machines
// this project is built on cannot reach the download servers; there, `npm run test:integration`
// runs the same suites in code-server (scripts/vscode/run-tests.mjs).
//
//   npm run build && npm run test:electron            # VS Code stable
//   LORE_VSCODE_VERSION=1.99.3 npm run test:electron  # a given version ('insiders' works too)
//
// Desktop VS Code loads native modules into Electron, whose ABI differs from Node's: first build
// better-sqlite3 for that Electron (README.md, "Packaging"), e.g.
//   npx @electron/rebuild -f -w better-sqlite3 -v <Electron version of that VS Code>
// and `npm rebuild better-sqlite3` afterwards to get back to Node for the unit tests. Without it the
// extension reports that the database module cannot load, and the suites fail on that.
import fs from 'node:fs';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { makeRunDir, prepareWorkspace, testEnv } from '../scripts/vscode/lib.mjs';
import { itestFiles } from './integration/index';

const root = path.resolve(__dirname, '..');

const SUITES = [
  { name: 'single-folder', suite: '', fixture: 'workspace' },
  { name: 'multiroot', suite: 'multiroot', fixture: 'multiroot' },
];

async function main(): Promise<number> {
  const extensionTestsPath = path.join(root, 'dist/test/suite/index');
  if (!fs.existsSync(`${extensionTestsPath}.js`)) throw new Error('dist/test/suite/index.js is missing: run `npm run build` first');
  let failed = 0;
  for (const s of SUITES) {
    // Skip a suite the runner would find no files in (LORE_ITEST_FILES included), as run-tests.mjs does.
    const built = path.join(root, 'dist/test/integration');
    if (!fs.existsSync(path.join(built, s.suite)) || itestFiles({ ...process.env, LORE_ITEST_SUITE: s.suite }, built).length === 0) continue;
    const runDir = makeRunDir('electron');
    try {
      const ws = prepareWorkspace(runDir, s.fixture);
      console.log(`== integration (${s.name}) in VS Code ${process.env.LORE_VSCODE_VERSION ?? 'stable'} (Electron)`);
      const code = await runTests({
        version: process.env.LORE_VSCODE_VERSION ?? 'stable',
        extensionDevelopmentPath: root,
        extensionTestsPath,
        launchArgs: [
          ws.workspaceFile ?? ws.folder ?? ws.root,
          '--disable-extensions',
          '--disable-workspace-trust',
          '--skip-welcome',
          '--skip-release-notes',
          '--user-data-dir', path.join(runDir, 'user-data'),
        ],
        // (test-electron passes its own environment on too: LORE_ITEST_GREP, LORE_TEST_OLLAMA_URL, ...)
        extensionTestsEnv: { ...testEnv(ws), LORE_ITEST_SUITE: s.suite },
      });
      if (code !== 0) failed++;
    } catch (err) {
      console.error(`integration (${s.name}) failed: ${err instanceof Error ? err.message : String(err)}`);
      failed++;
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
