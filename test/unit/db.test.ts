import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/core/storage/sqlite/open';
import { loadMigrations } from '../../src/core/storage/sqlite/migrate';
import { LoreError } from '../../src/core/errors';
import { tempWorkspace } from './helpers';

const tmpDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lore-db-')), 'index.db');

test('every connection gets the pragmas Lore relies on, and sqlite-vec', async () => {
  const { db, vec } = openDatabase(tmpDb());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
  assert.equal(vec.loaded, true);
  assert.match(vec.version!, /^v0\.1\.9/);
  assert.equal(db.pragma('user_version', { simple: true }), loadMigrations().length);
  db.close();
});

test('the schema has the columns, checks and indexes the issue asks for', async () => {
  const { db } = openDatabase(tmpDb());
  const cols = (db.prepare("SELECT name FROM pragma_table_info('document_index')").all() as { name: string }[]).map((c) => c.name);
  for (const c of ['file_path', 'title', 'document_type', 'content_hash', 'size', 'mtime', 'chunk_count', 'embedding_model', 'metadata', 'last_synced_at', 'sync_status', 'error', 'created_at', 'updated_at']) {
    assert.ok(cols.includes(c), `document_index.${c}`);
  }
  const insert = (status: string, metadata = '{}') =>
    db.prepare(`INSERT INTO document_index (file_path, title, document_type, content_hash, size, mtime, metadata, sync_status, created_at, updated_at)
      VALUES (?, 't', 'note', 'h', 1, 1, ?, ?, 0, 0)`).run(`${status}-${Math.random()}.md`, metadata, status);
  for (const s of ['pending', 'synced', 'failed', 'stale']) insert(s);
  assert.throws(() => insert('done'), /CHECK constraint failed/);
  assert.throws(() => insert('synced', '{not json'), /CHECK constraint failed/);
  const partial = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'document_index_todo'").get() as { sql: string };
  assert.match(partial.sql, /WHERE sync_status IN \('pending', 'stale'\)/);
  // Deleting a document takes its chunks and their full-text entries with it.
  const { lastInsertRowid: docId } = db.prepare(`INSERT INTO document_index (file_path, title, document_type, content_hash, size, mtime, created_at, updated_at)
      VALUES ('a.md', 'Alpha', 'note', 'h', 1, 1, 0, 0)`).run();
  db.prepare(`INSERT INTO chunks (document_id, ordinal, heading_path, start_line, end_line, text, content_hash) VALUES (?, 0, '', 1, 1, 'zebra crossing', 'x')`).run(docId);
  assert.equal((db.prepare("SELECT count(*) n FROM chunks_fts WHERE chunks_fts MATCH 'zebra'").get() as { n: number }).n, 1);
  db.prepare('DELETE FROM document_index WHERE id = ?').run(docId);
  assert.equal((db.prepare('SELECT count(*) n FROM chunks').get() as { n: number }).n, 0);
  assert.equal((db.prepare("SELECT count(*) n FROM chunks_fts WHERE chunks_fts MATCH 'zebra'").get() as { n: number }).n, 0);
  db.close();
});

test('a database from an older Lore (schema 1) migrates in place and keeps its data', async () => {
  const file = tmpDb();
  const old = openDatabase(file, { schemaUpTo: 1 });
  assert.equal(old.db.pragma('user_version', { simple: true }), 1);
  assert.equal(old.db.prepare("SELECT name FROM sqlite_master WHERE name = 'chunks_fts'").get(), undefined);
  const { lastInsertRowid: id } = old.db.prepare(`INSERT INTO document_index (file_path, title, document_type, content_hash, size, mtime, chunk_count, sync_status, created_at, updated_at)
      VALUES ('docs/adr/0001-storage.md', 'Use SQLite for storage', 'adr', 'abc', 10, 10, 1, 'synced', 1, 1)`).run();
  old.db.prepare(`INSERT INTO chunks (document_id, ordinal, heading_path, start_line, end_line, text, content_hash)
      VALUES (?, 0, 'Use SQLite for storage > Decision', 3, 5, 'We store the index in a single database file.', 'h1')`).run(id);
  old.db.close();

  const { db } = openDatabase(file);
  assert.equal(db.pragma('user_version', { simple: true }), loadMigrations().length);
  const doc = db.prepare('SELECT file_path, title, sync_status FROM document_index').get();
  assert.deepEqual(doc, { file_path: 'docs/adr/0001-storage.md', title: 'Use SQLite for storage', sync_status: 'synced' });
  // The old chunk is now in the full-text index, by body and by title.
  const byBody = db.prepare("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH '\"database\"'").all();
  const byTitle = db.prepare("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'title : \"sqlite\"'").all();
  assert.equal(byBody.length, 1);
  assert.equal(byTitle.length, 1);
  db.close();
});

test('a database from a newer Lore is refused with a clear message and left untouched', async () => {
  const file = tmpDb();
  openDatabase(file).db.close();
  const raw = new Database(file);
  raw.pragma('user_version = 99');
  raw.exec("INSERT INTO lore_meta (key, value) VALUES ('keep', 'me')");
  raw.close();
  assert.throws(
    () => openDatabase(file),
    (err: unknown) => err instanceof LoreError && err.code === 'SCHEMA_TOO_NEW' && /newer version of Lore \(schema 99/.test(err.message),
  );
  const after = new Database(file, { readonly: true });
  assert.equal(after.pragma('user_version', { simple: true }), 99);
  assert.deepEqual(after.prepare("SELECT value FROM lore_meta WHERE key = 'keep'").get(), { value: 'me' });
  after.close();
});

test('when sqlite-vec cannot load, the reason is reported and keyword search still works', async () => {
  const ws = tempWorkspace({ 'notes/a.md': '# Alpha\n\nThe quick brown fox.\n' });
  try {
    const lore = await ws.open({
      loadVectorExtension: () => {
        throw new Error('vec0.so: cannot open shared object file');
      },
    });
    await lore.index();
    const status = (await lore.status());
    assert.equal(status.vectorExtension.loaded, false);
    assert.match(status.vectorExtension.error!, /sqlite-vec could not load \(vec0\.so: cannot open shared object file\).*keyword search works/);
    assert.equal((await lore.search('brown fox')).results[0]?.path, 'notes/a.md');
  } finally {
    ws.cleanup();
  }
});

test('a file that is not a database gives a readable error, not a crash', async () => {
  const file = tmpDb();
  fs.writeFileSync(file, 'this is not sqlite'.repeat(100));
  assert.throws(() => openDatabase(file), (err: unknown) => err instanceof LoreError && /Cannot use the Lore index at .*not a database/.test(err.message));
});
