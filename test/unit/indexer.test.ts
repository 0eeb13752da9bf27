import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { writeCorpus } from '../../bench/corpus';
import { bumpMtime, tempWorkspace } from './helpers';

const chunkIds = (dbPath: string, file: string) => {
  const db = new Database(dbPath, { readonly: true });
  const ids = (db.prepare('SELECT c.id FROM chunks c JOIN document_index d ON d.id = c.document_id WHERE d.file_path = ? ORDER BY c.ordinal').all(file) as { id: number }[]).map((r) => r.id);
  db.close();
  return ids;
};

test('indexes every markdown file, skips what is excluded, and a second run does nothing', async () => {
  const ws = tempWorkspace({
    'README.md': '# Project\n\nWelcome.\n',
    'docs/guide.markdown': '# Guide\n\n## Install\n\nRun the installer.\n',
    'docs/page.mdx': '# Page\n\nMDX text.\n',
    'docs/notes.txt': 'not markdown',
    'node_modules/pkg/README.md': '# dependency readme\n',
    '.git/info.md': '# git internals\n',
    'build/out.md': '# generated\n',
    'drafts/secret.md': '# ignored by a nested gitignore\n',
    '.gitignore': 'build/\n',
    'drafts/.gitignore': 'secret.md\n',
    '.github/CONTRIBUTING.md': '# Contributing\n\nDot folders are indexed.\n',
  });
  try {
    const lore = await ws.open();
    const first = await lore.index();
    assert.deepEqual((await lore.files()).map((f) => f.path), ['.github/CONTRIBUTING.md', 'README.md', 'docs/guide.markdown', 'docs/page.mdx']);
    assert.equal(first.added, 4);
    const second = await lore.index();
    assert.deepEqual({ ...second, ms: 0 }, { scanned: 4, added: 0, changed: 0, touched: 0, unchanged: 4, renamed: 0, removed: 0, failed: 0, chunks: 0, bytes: 0, ms: 0, skipped: 0, skippedPaths: [] });
    assert.ok((await lore.validate()).ok);
  } finally {
    ws.cleanup();
  }
});

test('only changed files are re-parsed; a touched file with the same bytes keeps its chunks', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha text\n', 'b.md': '# B\n\nbeta text\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    const before = chunkIds(ws.dbPath, 'a.md');
    bumpMtime(path.join(ws.root, 'a.md'));
    const touched = await lore.index();
    assert.equal(touched.touched, 1);
    assert.equal(touched.changed, 0);
    assert.deepEqual(chunkIds(ws.dbPath, 'a.md'), before, 'same chunk rows: nothing was rewritten');

    bumpMtime(ws.write('b.md', '# B\n\nbeta text, now with gamma\n'));
    const changed = await lore.index();
    assert.equal(changed.changed, 1);
    assert.equal(changed.unchanged, 1);
    assert.equal((await lore.search('gamma')).results[0]?.path, 'b.md');
  } finally {
    ws.cleanup();
  }
});

test('a moved file is recognised by its content: same chunks, new path, title from the new name', async () => {
  const ws = tempWorkspace({
    'notes/old-name.md': 'No heading here, so the title comes from the file name.\n\nSome words about lighthouses.\n',
    'notes/with-title.md': '# Keeps Its Title\n\nText about harbours.\n',
  });
  try {
    const lore = await ws.open();
    await lore.index();
    const ids = chunkIds(ws.dbPath, 'notes/old-name.md');
    ws.move('notes/old-name.md', 'docs/adr/new-name.md');
    ws.move('notes/with-title.md', 'plans/moved.md');
    const s = await lore.index();
    assert.equal(s.renamed, 2);
    assert.equal(s.added + s.removed + s.changed, 0);
    assert.deepEqual(chunkIds(ws.dbPath, 'docs/adr/new-name.md'), ids);
    const [hit] = (await lore.search('lighthouses')).results;
    assert.deepEqual([hit.path, hit.title, hit.documentType], ['docs/adr/new-name.md', 'new-name', 'adr']);
    assert.equal((await lore.search('new-name')).results[0]?.path, 'docs/adr/new-name.md', 'the title is searchable under its new name');
    const [moved] = (await lore.search('harbours')).results;
    assert.deepEqual([moved.path, moved.title, moved.documentType], ['plans/moved.md', 'Keeps Its Title', 'plan']);
    assert.ok((await lore.validate()).ok);
  } finally {
    ws.cleanup();
  }
});

test('broken files are marked failed with a reason and the rest of the index carries on', async () => {
  const ws = tempWorkspace({
    'good.md': '# Good\n\nSearchable words.\n',
    'binary.md': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]),
    'latin1.md': Buffer.from('# Caf\xe9\n\nna\xefve\n', 'latin1'),
    'huge.md': `# Huge\n\n${'x'.repeat(5000)}\n`,
    'empty.md': '',
    'bad-frontmatter.md': '---\ntitle: [unclosed\n---\n\n# Still Here\n\nIndexed anyway.\n',
  });
  try {
    const lore = await ws.open({ config: { maxFileSize: 4096 } });
    const s = await lore.index();
    assert.equal(s.failed, 3);
    const failed = Object.fromEntries((await lore.files('failed')).map((f) => [f.path, f.error]));
    assert.match(failed['binary.md']!, /binary content.*NUL byte at offset 4/);
    assert.match(failed['latin1.md']!, /not valid UTF-8.*offset 5/);
    assert.match(failed['huge.md']!, /file is 4\.9 KB, over the 4\.0 KB limit/);
    assert.equal((await lore.search('searchable')).results[0]?.path, 'good.md');
    assert.equal((await lore.search('indexed anyway')).results[0]?.path, 'bad-frontmatter.md');
    const status = (await lore.status());
    assert.equal(status.empty, 1);
    assert.equal(status.withWarnings, 1);
    assert.match((await lore.files('synced')).find((f) => f.path === 'bad-frontmatter.md')!.error!, /^warning: front matter is not valid YAML/);
    // Unchanged failures are not retried every run; fixing the file fixes the row.
    assert.equal((await lore.index()).failed, 0);
    bumpMtime(ws.write('latin1.md', '# Café\n\nnaïve\n'));
    await lore.index();
    assert.equal((await lore.files('failed')).length, 2);
    assert.equal((await lore.search('naive')).results[0]?.path, 'latin1.md');
    assert.ok((await lore.validate()).ok);
  } finally {
    ws.cleanup();
  }
});

test('cancelling a run leaves a consistent index, and the next run finishes the job', async () => {
  const ws = tempWorkspace();
  try {
    writeCorpus(ws.root, 300, 5);
    const lore = await ws.open();
    const controller = new AbortController();
    const run = lore.index({
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'indexing' && p.done >= 40) controller.abort();
      },
    });
    await assert.rejects(run, /Cancelled after \d+ of 300 files/);
    const partial = (await lore.status()).documents;
    assert.ok(partial >= 40 && partial < 300, `some but not all written (${partial})`);
    assert.ok((await lore.validate()).ok, 'consistent after cancel');
    const rest = await lore.index();
    assert.equal(rest.added, 300 - partial);
    assert.equal((await lore.status()).documents, 300);
    assert.ok((await lore.validate()).ok);
  } finally {
    ws.cleanup();
  }
});

test('a process killed mid-run (SIGKILL) leaves a valid database that the next run completes', async () => {
  const ws = tempWorkspace();
  try {
    writeCorpus(ws.root, 600, 9);
    const script = `
      const { createLore } = require(${JSON.stringify(path.resolve('src/core/service.ts'))});
      createLore({ root: process.argv[1], dbPath: process.argv[2] }).then((lore) => lore.index({ onProgress: (p) => { if (p.phase === 'indexing' && p.done > 0) process.stdout.write('.'); } }));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, ws.root, ws.dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => {
      let dots = 0;
      child.stdout.on('data', (d: Buffer) => {
        dots += d.length;
        if (dots >= 5) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    const lore = await ws.open();
    const report = (await lore.validate());
    assert.ok(report.ok, JSON.stringify(report.problems));
    const partial = (await lore.status()).documents;
    assert.ok(partial < 600, `killed before the end (${partial} written)`);
    const s = await lore.index();
    assert.equal(s.added, 600 - partial);
    assert.equal((await lore.status()).counts.synced, 600);
    assert.ok((await lore.validate()).ok);
  } finally {
    ws.cleanup();
  }
});

test('retryFailed re-reads failed files; force re-parses everything', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\ntext\n', 'big.md': `# Big\n\n${'y'.repeat(3000)}\n` });
  try {
    const strict = await ws.open({ config: { maxFileSize: 1024 } });
    await strict.index();
    assert.equal((await strict.files('failed')).length, 1);
    await strict.close();
    const relaxed = await ws.open({ config: { maxFileSize: 1024 * 1024 } });
    assert.equal((await relaxed.index()).failed, 0);
    assert.equal((await relaxed.files('failed')).length, 1, 'an unchanged failed file is not retried by a plain run');
    const retried = await relaxed.index({ retryFailed: true });
    assert.equal(retried.changed, 1);
    assert.equal((await relaxed.files('failed')).length, 0);
    assert.equal((await relaxed.index({ force: true })).changed, 2);
  } finally {
    ws.cleanup();
  }
});

test('the index database is never written inside the indexed folder by the engine', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n' });
  try {
    await (await ws.open()).index();
    assert.deepEqual(fs.readdirSync(ws.root), ['a.md']);
  } finally {
    ws.cleanup();
  }
});

test('one index holds one folder: another folder is refused with a message; a moved folder is adopted', async () => {
  const ws = tempWorkspace({ 'one/a.md': '# A\n\nalpha\n', 'two/b.md': '# B\n\nbeta\n' });
  try {
    const first = await ws.open({ root: path.join(ws.root, 'one') });
    await first.index();
    await first.close();
    await assert.rejects(ws.open({ root: path.join(ws.root, 'two') }), /holds .*one, not .*two\. Give .*two its own index/);
    const kept = await ws.open({ root: path.join(ws.root, 'one') });
    assert.deepEqual((await kept.files()).map((f) => f.path), ['a.md'], 'nothing of the first folder was removed');
    await kept.close();
    // The folder moved (its old path is gone): the index follows it, keeping its documents.
    fs.renameSync(path.join(ws.root, 'one'), path.join(ws.root, 'uno'));
    const moved = await ws.open({ root: path.join(ws.root, 'uno') });
    const sum = await moved.index();
    assert.deepEqual([sum.unchanged, sum.added, sum.removed], [1, 0, 0]);
  } finally {
    ws.cleanup();
  }
});

test('nothing is skipped silently: broken and looping links and undecodable names are listed with the reason', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    fs.symlinkSync('nowhere.md', path.join(ws.root, 'dangling.md'));
    fs.writeFileSync(path.join(ws.root, '..', 'outside.md'), '# Outside\n\nnot this folder\n');
    fs.symlinkSync(path.join(ws.root, '..', 'outside.md'), path.join(ws.root, 'outside-link.md'));
    fs.symlinkSync('a.md', path.join(ws.root, 'inside-link.md'));
    fs.symlinkSync('loop-b.md', path.join(ws.root, 'loop-a.md'));
    fs.symlinkSync('loop-a.md', path.join(ws.root, 'loop-b.md'));
    // "caf\xe9.md": Latin-1, not UTF-8 (a file copied from an old archive).
    fs.writeFileSync(Buffer.concat([Buffer.from(`${ws.root}/caf`), Buffer.from([0xe9]), Buffer.from('.md')]), '# Cafe\n');
    const lore = await ws.open();
    const sum = await lore.index();
    assert.equal(sum.added, 2, 'a.md, and the link to it inside the folder');
    const reasons = Object.fromEntries(sum.skippedPaths.map((p) => [p.path.replace(/\uFFFD/g, '?'), p.reason.replace(/\(.*outside\.md\)/, '(…/outside.md)')]));
    assert.deepEqual(reasons, {
      'caf?.md': 'the name is not valid UTF-8 (rename it to index it)',
      'dangling.md': 'a symbolic link to nothing',
      'loop-a.md': 'a symbolic link loop',
      'loop-b.md': 'a symbolic link loop',
      'outside-link.md': 'a link to outside the folder (…/outside.md)',
    });
    assert.equal(sum.skipped, 5);
    // Kept with the index: a status from another process lists them too.
    await lore.close();
    const again = await ws.open({ readonly: true });
    assert.equal((await again.status()).skipped.count, 5);
  } finally {
    ws.cleanup();
  }
});

test('"last sync" moves with every completed pass, also one that finds nothing to change', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    const first = (await lore.status()).lastSyncedAt!;
    while (Date.now() <= first); // the clock moves on (a millisecond at most)
    const again = await lore.index();
    assert.equal(again.unchanged, 1);
    assert.ok((await lore.status()).lastSyncedAt! > first, 'the no-op pass counts as a sync');
  } finally {
    ws.cleanup();
  }
});
