// The integration suite runner, loaded by VS Code's extension host as `extensionTestsPath`
// (bundled to dist/test/suite/index.js). It runs the bundled *.itest.ts files with mocha (bdd ui:
// describe/it/before/after) against the real vscode API.
//
// Which files (environment of the code-server / VS Code process; the host inherits it):
//   LORE_ITEST_SUITE   folder under test/integration/ to run ('' = the top-level *.itest.ts, the
//                      single-folder suite; 'multiroot' = test/integration/multiroot/*.itest.ts,
//                      run on a two-folder .code-workspace)
//   LORE_ITEST_GREP    only tests whose full title contains this text
//   LORE_ITEST_FILES   comma-separated file name fragments: only files whose name contains one
//   LORE_ITEST_TIMEOUT per-test timeout in ms (default 60000)
//   LORE_ITEST_RESULT  file to write the counts to when the run completes; the runner requires it,
//                      because VS Code reports exit code 0 when the extension host dies mid-suite
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function itestFiles(env: NodeJS.ProcessEnv = process.env, root = path.join(__dirname, '..', 'integration')): string[] {
  const dir = path.join(root, env.LORE_ITEST_SUITE ?? '');
  if (!fs.existsSync(dir)) throw new Error(`no integration test folder ${dir}: was the suite built (node esbuild.mjs)?`);
  const only = (env.LORE_ITEST_FILES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.itest.js'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort()
    .map((f) => path.join(dir, f));
}

export async function run(): Promise<void> {
  const files = itestFiles();
  if (files.length === 0) throw new Error('no integration test files matched');
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: Number(process.env.LORE_ITEST_TIMEOUT) || 60_000,
    color: false,
    reporter: 'spec',
    grep: process.env.LORE_ITEST_GREP || undefined,
  });
  for (const f of files) mocha.addFile(f);
  await mocha.loadFilesAsync();
  const started = Date.now();
  const stats = await new Promise<Mocha.Stats | undefined>((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats));
  });
  const result = { files: files.length, tests: stats?.tests ?? 0, passes: stats?.passes ?? 0, failures: stats?.failures ?? 0, pending: stats?.pending ?? 0, ms: Date.now() - started };
  if (process.env.LORE_ITEST_RESULT) fs.writeFileSync(process.env.LORE_ITEST_RESULT, JSON.stringify(result));
  if (result.failures > 0) throw new Error(`${result.failures} integration test(s) failed`);
}
