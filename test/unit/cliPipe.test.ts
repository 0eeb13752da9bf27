import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempWorkspace, type TempWorkspace } from './helpers';

const REPO = path.resolve(__dirname, '..', '..');
const ENV = { ...(process.env as Record<string, string>), LORE_EMBED_PROVIDER: 'none' };
const DOCS = 300;
const BUILT = path.join(REPO, 'dist', 'cli.js');
const MAIN = path.join(REPO, 'src', 'cli', 'main.ts');

/** Why the built CLI cannot be tested, or false: it must exist and be at least as new as main.ts. */
function notBuilt(): string | false {
  if (!fs.existsSync(BUILT)) return 'not built (npm run build)';
  return fs.statSync(BUILT).mtimeMs < fs.statSync(MAIN).mtimeMs ? 'dist/cli.js is older than src/cli/main.ts (npm run build)' : false;
}

/** Runs the CLI with stdout and stderr as pipes, reading both to the end. */
function runPiped(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

describe('CLI output through a pipe is complete', () => {
  let ws: TempWorkspace;
  before(async () => {
    // Long titles make each JSON result a few KB, so the answer is well over the 64 KB a pipe holds.
    const files: Record<string, string> = {};
    for (let i = 0; i < DOCS; i++) {
      const title = `Quokka rollout note ${i}: ${'a rather long title about waves of the release '.repeat(75)}`.trim();
      files[`notes/note-${String(i).padStart(3, '0')}.md`] = `---\ntitle: "${title}"\n---\n# Note ${i}\n\nThe quokka rollout ships in waves, part ${i}.\n`;
    }
    ws = tempWorkspace(files);
    const lore = await ws.open();
    const summary = await lore.index();
    assert.equal(summary.added, DOCS);
    await lore.close();
  });
  after(() => ws.cleanup());

  const search = ['search', 'quokka', 'rollout', '--k', String(DOCS), '--json', '--mode', 'keyword'];
  const check = async (cli: string[]) => {
    const r = await runPiped([...cli, ...search, '--db', ws.dbPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 1024 * 1024, `${r.stdout.length} bytes`);
    const json = JSON.parse(r.stdout.toString('utf8')) as { results: Array<{ path: string }> };
    assert.equal(json.results.length, DOCS);
    assert.equal(new Set(json.results.map((x) => x.path)).size, DOCS);
    assert.ok(r.stdout.toString('utf8').endsWith('}\n'), 'ends with the closing brace and newline');
  };

  test('lore search --json: more than 1 MB, complete JSON (from the source)', async () => {
    await check(['--import', 'tsx', MAIN]);
  });

  test('lore search --json: more than 1 MB, complete JSON (the built bin/lore.js)', { skip: notBuilt() }, async () => {
    await check([path.join(REPO, 'bin', 'lore.js')]);
  });
});
