import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openStorage } from '../../src/core/storage/open';
import { loadMigrations } from '../../src/core/storage/sqlite/migrate';
import { openDatabase } from '../../src/core/storage/sqlite/open';
import { docWrite, rowOf } from './conformanceHelpers';
import { linkConformance } from './linkConformance';
import { memoryConformance } from './memoryConformance';
import { storageConformance } from './storageConformance';

// The SQLite backend against the storage conformance suite (a server backend runs the same suite).
const sqlite = {
  name: 'SQLite',
  open: (dir: string, opts?: { readonly?: boolean }) => openStorage({ dbPath: path.join(dir, 'index.db'), readonly: opts?.readonly }),
};
storageConformance(sqlite);
memoryConformance(sqlite);
linkConformance(sqlite);

test('SQLite links: schema 11 adds the link tables to an index made by schema 10, which keeps its documents', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-links-migrate-'));
  try {
    const file = path.join(dir, 'index.db');
    const old = openDatabase(file, { schemaUpTo: 10 });
    assert.equal(old.db.pragma('user_version', { simple: true }), 10);
    assert.equal(old.db.prepare("SELECT name FROM sqlite_master WHERE name IN ('links', 'link_keys')").get(), undefined);
    const { lastInsertRowid: id } = old.db.prepare(`INSERT INTO document_index (file_path, title, document_type, content_hash, size, mtime, chunk_count, sync_status, created_at, updated_at)
        VALUES ('b.md', 'B', 'note', 'abc', 10, 10, 1, 'synced', 1, 1)`).run();
    old.db.prepare(`INSERT INTO chunks (document_id, ordinal, heading_path, start_line, end_line, text, content_hash)
        VALUES (?, 0, 'B', 1, 3, '# B\n\nold text', 'h1')`).run(id);
    old.db.close();

    const s = await openStorage({ dbPath: file });
    try {
      assert.equal((await s.info()).schemaVersion, loadMigrations().length);
      assert.ok(loadMigrations().length >= 11);
      assert.equal((await rowOf(s, 'b.md')).id, Number(id), 'the document is kept');
      assert.equal((await s.documents.read('b.md', 1, 10))?.chunks[0].text, '# B\n\nold text');
      assert.deepEqual(await s.links.from('b.md'), [], 'a document from before has no links until it is parsed again');
      // The next run writes documents with their links (and b.md again, with its keys).
      await s.documents.apply([docWrite('a.md', '# A\n\nTo [b](b.md) and [c](c.md).\n'), docWrite('b.md', '# B\n\nBack to [[A]].\n')]);
      assert.deepEqual((await s.links.from('a.md')).map((l) => l.targetPath), ['b.md', undefined]);
      assert.deepEqual((await s.links.to('a.md', 10)).map((l) => l.sourcePath), ['b.md']);
      assert.deepEqual(await s.links.broken(10).then((b) => b.links.map((l) => l.target)), ['c.md']);
      assert.equal((await rowOf(s, 'b.md')).id, Number(id), 'written again in place');
    } finally {
      await s.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
