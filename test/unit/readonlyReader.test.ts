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

