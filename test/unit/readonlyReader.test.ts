import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { tempWorkspace } from './helpers';

// Someone else's index (no write access to the file or its folder, where SQLite keeps its -shm):
// search, status and validate read it, saying read-only; never "attempt to write".
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

function runAsIn(uid: number, args: string[], home: string): Promise<{ code: number | null; out: string; err: string }> {
  const main = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.ts');
  return new Promise((resolve, reject) => {
    // The reader's own temp folder (tsx keeps its cache there), the only place it may write.
    const env = { ...process.env, LORE_EMBED_PROVIDER: 'none', HOME: home, TMPDIR: home };
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { uid, gid: uid, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test('an index the user cannot write is searched, shown and validated read-only', { skip: asRoot ? false : 'needs root to run the reader as another user' }, async () => {
  const ws = tempWorkspace({ 'a.md': '# Alpha\n\nwombats dig burrows\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    await lore.sessions.record('s', 'search', { query: 'wombats' });
    await lore.close();
    // Readable by everyone, writable by its owner only (the folder too: no -shm can be made there).
    for (let d = path.dirname(ws.dbPath); d !== path.dirname(d) && d.startsWith(path.dirname(path.dirname(ws.dbPath))); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    for (const f of fs.readdirSync(path.dirname(ws.dbPath))) {
      const p = path.join(path.dirname(ws.dbPath), f);
      if (fs.statSync(p).isFile()) fs.chmodSync(p, 0o644);
    }
    for (const f of fs.readdirSync(ws.root)) fs.chmodSync(path.join(ws.root, f), 0o644);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-reader-'));
    fs.chownSync(home, NOBODY, NOBODY);
    const runAs = (uid: number, args: string[]) => runAsIn(uid, args, home);
    const search = await runAs(NOBODY, ['search', 'wombats', '--db', ws.dbPath, '--json']);
    assert.equal(search.code, 0, search.err);
    assert.equal(JSON.parse(search.out).results[0].path, 'a.md');
    const status = await runAs(NOBODY, ['status', '--db', ws.dbPath]);
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /Documents: 1 /);
    assert.match(status.err, /not writable for you: reading it read-only/);
    const validate = await runAs(NOBODY, ['validate', '--db', ws.dbPath]);
    assert.equal(validate.code, 0, validate.err);
    for (const r of [search, status, validate]) assert.doesNotMatch(r.err + r.out, /attempt to write/);
  } finally {
    ws.cleanup();
  }
});


test('a folder the user cannot read is listed as skipped with the reason, and indexed once it can be read', { skip: asRoot ? false : 'needs root to run the indexer as another user' }, async () => {
  const ws = tempWorkspace({ 'a.md': '# Alpha\n\nwombats dig burrows\n', 'private/b.md': '# Beta\n\nquokkas smile\n' });
  try {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-indexer-'));
    fs.chownSync(home, NOBODY, NOBODY);
    // The folder is the indexing user's; private/ is root's alone.
    for (let d = ws.root; d !== path.dirname(d); d = path.dirname(d)) if (d.startsWith(os.tmpdir())) fs.chmodSync(d, d === ws.root ? 0o755 : fs.statSync(d).mode | 0o005);
    fs.chownSync(ws.root, NOBODY, NOBODY);
    fs.chownSync(path.join(ws.root, 'a.md'), NOBODY, NOBODY);
    fs.chmodSync(path.join(ws.root, 'private'), 0o700);
    const first = await runAsIn(NOBODY, ['index', ws.root, '--json'], home);
    assert.equal(first.code, 0, first.err);
    const out = JSON.parse(first.out) as { summary: { added: number; skipped: number; skippedPaths: { path: string; reason: string }[] } };
    assert.equal(out.summary.added, 1);
    assert.deepEqual(out.summary.skippedPaths, [{ path: 'private', reason: 'folder not readable (permission denied)' }]);
    const status = await runAsIn(NOBODY, ['status', '--dir', ws.root], home);
    assert.match(status.out, /private: folder not readable \(permission denied\)/);
    fs.chmodSync(path.join(ws.root, 'private'), 0o755);
    const second = JSON.parse((await runAsIn(NOBODY, ['index', ws.root, '--json'], home)).out) as typeof out;
    assert.deepEqual([second.summary.added, second.summary.skipped], [1, 0], 'private/b.md indexed once readable');
  } finally {
    ws.cleanup();
  }
});
