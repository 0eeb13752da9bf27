import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { parseMarkdown } from '../../src/core/markdown/parse';
import type { IndexWrite } from '../../src/core/storage/documents';
import { SqliteDocumentStore } from '../../src/core/storage/sqlite/documents';
import { openSqliteStorage } from '../../src/core/storage/sqlite/storage';
import { runningWorkers } from '../../src/core/idleWorker';
import { OffThreadWriter } from '../../src/core/storage/sqlite/writer';
import { childPids, commandLine, isRunning, waitFor } from '../fixtures/processes';
import { withStorage } from './tempStorage';

// A large run's writes happen on a thread of their own, so the editor's thread stays free.

function documents(n: number): IndexWrite[] {
  return Array.from({ length: n }, (_, i) => {
    const text = `# Page ${i}\n\n${'Words about burrows and aardvarks. '.repeat(40)}\n\n## More\n\n${'Another section of text. '.repeat(40)}\n`;
    return { kind: 'document', path: `p/${i}.md`, stamp: { hash: `h${i}`, size: text.length, mtime: 1 }, doc: parseMarkdown(text, `p/${i}.md`), status: 'synced' };
  });
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lore-writer-'));
}

test('a large batch is written off the calling thread: its timers keep running, and what was written is readable at once', () =>
  withStorage('lore-writer-', async (storage) => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await storage.documents.apply(documents(1500));
    clearInterval(timer);
    // Written on this thread, the batch would be one synchronous piece of work: no tick between.
    assert.ok(ticks > 0, 'the calling thread ran its timers while the batch was written');
    const counts = await storage.documents.counts();
    assert.equal(counts.byStatus.synced, 1500);
    assert.ok((await storage.keyword.rows('aardvarks', 5)).length > 0, 'searchable from this thread at once');
    // Small writes (a saved file) stay on this thread; order is kept either way.
    await storage.documents.apply([{ kind: 'delete', file: (await storage.documents.indexedFiles()).find((f) => f.path === 'p/0.md')! }]);
    assert.equal((await storage.documents.counts()).byStatus.synced, 1499);
  }));

test('the writer process keeps SQLite\'s error code (a full disk stays transient) and writes nothing of a failed batch', () =>
  withStorage('lore-writer-', async (storage, file) => {
    const db = new Database(file);
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON chunks WHEN new.text LIKE '%Page 7%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    db.close();
    await assert.rejects(storage.documents.apply(documents(40)), (err: Error & { code?: string }) => {
      assert.match(err.message, /refused by the test/);
      assert.equal(err.code, 'SQLITE_CONSTRAINT_TRIGGER');
      return true;
    });
    assert.equal((await storage.documents.counts()).byStatus.synced, 0, 'none of the batch was written');
    assert.ok(storage.documents.isTransient(Object.assign(new Error('full'), { code: 'SQLITE_FULL' })));
  }));

test('a writer process that cannot start is reported once, and the batch is written on the calling thread instead', async () => {
  const dir = tempDir();
  const storage = openSqliteStorage({ dbPath: path.join(dir, 'index.db') });
  const db = (storage as unknown as { db: Database.Database }).db;
  const warnings: string[] = [];
  // A writer for a file that does not exist: its thread fails at its first statement.
  const store = new SqliteDocumentStore(db, new OffThreadWriter(path.join(dir, 'missing', 'index.db')), (m) => warnings.push(m));
  try {
    await store.apply(documents(20));
    await store.apply(documents(30));
    assert.equal((await store.counts()).byStatus.synced, 30);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /the index writer process failed: .*; the index is written on the main thread from now on/);
  } finally {
    await store.closeWriter();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the counts a status shows follow every commit, whichever connection made it (the writer process, this one, another process)', () =>
  withStorage('lore-writer-', async (storage, file) => {
    assert.equal((await storage.documents.counts()).byStatus.synced, 0);
    await storage.documents.apply(documents(40)); // the writer process
    assert.equal((await storage.documents.counts()).byStatus.synced, 40);
    await storage.documents.apply([{ kind: 'failure', path: 'bad.md', stamp: { hash: 'x', size: 1, mtime: 1 }, reason: 'broken' }]); // written here
    assert.equal((await storage.documents.counts()).byStatus.failed, 1);
    const other = new Database(file); // another process (the CLI, say)
    other.prepare("UPDATE document_index SET sync_status = 'stale' WHERE file_path = 'p/1.md'").run();
    other.close();
    const c = await storage.documents.counts();
    assert.deepEqual([c.byStatus.synced, c.byStatus.stale, c.byStatus.failed], [39, 1, 1]);
    c.byStatus.synced = -1; // a caller's copy, not the kept one
    assert.equal((await storage.documents.counts()).byStatus.synced, 39);
  }));

const isWriter = (pid: number) => commandLine(pid).includes('writeWorker');
const until = <T>(what: string, fn: () => T | undefined) => waitFor(what, fn, 20_000, 10);

test('a writer process killed in the middle of a batch loses nothing: the batch is written here instead, and that is reported once', () =>
  withStorage('lore-writer-', async (storage, file) => {
    const warnings: string[] = [];
    const db = (storage as unknown as { db: Database.Database }).db;
    const store = new SqliteDocumentStore(db, new OffThreadWriter(file, 60_000), (m) => warnings.push(m));
    try {
      const before = new Set(childPids(process.pid));
      const batch = store.apply(documents(1500));
      const writer = await until('the writer process', () => childPids(process.pid).find((pid) => !before.has(pid) && isWriter(pid)));
      process.kill(writer, 'SIGKILL'); // whatever it had begun rolls back with it
      await batch;
      assert.equal((await store.counts()).byStatus.synced, 1500);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /the index writer process failed: it stopped \(SIGKILL\); the index is written on the main thread from now on/);
    } finally {
      await store.closeWriter();
    }
  }));

test('a writer process ends with the process that started it, even one killed outright', async () => {
  const dir = tempDir();
  const script = path.join(dir, 'parent.ts');
  fs.writeFileSync(script, `
    import { childPids, commandLine } from ${JSON.stringify(path.resolve(__dirname, '../fixtures/processes'))};
    import { parseMarkdown } from ${JSON.stringify(path.resolve(__dirname, '../../src/core/markdown/parse'))};
    import { openSqliteStorage } from ${JSON.stringify(path.resolve(__dirname, '../../src/core/storage/sqlite/storage'))};
    const storage = openSqliteStorage({ dbPath: ${JSON.stringify(path.join(dir, 'index.db'))} });
    const text = '# Page\\n\\nWords about burrows.\\n';
    const writes = Array.from({ length: 40 }, (_, i) => ({ kind: 'document' as const, path: 'p/' + i + '.md', stamp: { hash: 'h' + i, size: 1, mtime: 1 }, doc: parseMarkdown(text, 'p/' + i + '.md'), status: 'synced' as const }));
    void storage.documents.apply(writes).then(() => {
      const kids = childPids(process.pid).filter((pid) => commandLine(pid).includes('writeWorker'));
      process.stdout.write(kids.join(',') + '\\n');
      process.kill(process.pid, 'SIGKILL'); // no cleanup of any kind
    });
  `);
  try {
    const { spawnSync } = await import('node:child_process');
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.signal, 'SIGKILL', run.stderr);
    const kids = run.stdout.trim().split(',').filter(Boolean).map(Number);
    assert.equal(kids.length, 1, 'the writer process was running when its parent was killed');
    await until('the orphaned writer process to end', () => (isRunning(kids[0]) ? undefined : true));
    const db = new Database(path.join(dir, 'index.db'), { readonly: true });
    assert.equal((db.prepare("SELECT count(*) AS n FROM document_index WHERE sync_status = 'synced'").get() as { n: number }).n, 40);
    db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the worker processes running now are listed with their memory, and an ended one is not', () =>
  withStorage('lore-writer-', async (storage, file) => {
    const db = (storage as unknown as { db: Database.Database }).db;
    const store = new SqliteDocumentStore(db, new OffThreadWriter(file, 60_000));
    const before = runningWorkers().length;
    await store.apply(documents(40));
    const listed = runningWorkers();
    assert.equal(listed.length, before + 1);
    const writer = listed.find((w) => w.name === 'index writer')!;
    assert.ok(isRunning(writer.pid));
    if (process.platform === 'linux') assert.ok(writer.rssMb! > 10, `the writer's memory: ${writer.rssMb} MB`);
    await store.closeWriter();
    assert.equal(runningWorkers().length, before);
  }));
