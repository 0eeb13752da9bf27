import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import Database from 'better-sqlite3';
import { autoBackup, backupsDir, KEEP_BACKUPS, listBackups } from '../../src/core/storage/sqlite/backup';
import { findSchemaDir, loadMigrations } from '../../src/core/storage/sqlite/migrate';
import { openUserData, userDataPathFor } from '../../src/core/storage/sqlite/userData';
import { tempWorkspace } from './helpers';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), isTTY: false } };
};

test('lore backup and lore restore: history comes back as it was, and what it held before is kept', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    await lore.sessions.record('s1', 'search', { query: 'before the backup' });
    await lore.close();
    const to = path.join(path.dirname(ws.dbPath), 'my-backup.db');
    const b = io();
    assert.equal(await main(['backup', '--db', ws.dbPath, '--to', to, '--index'], b.io), 0, b.err.join('\n'));
    assert.match(b.out.join('\n'), /Session history backed up to .*my-backup\.db\nIndex backed up to .*my-backup-index\.db/);
    // Later: a session the user deletes by mistake, and a new one.
    const later = await ws.open();
    await later.sessions.delete('s1');
    await later.sessions.record('s2', 'search', { query: 'after the backup' });
    await later.close();
    const r = io();
    assert.equal(await main(['restore', to, '--db', ws.dbPath], r.io), 0, r.err.join('\n'));
    const kept = /kept in (.*)\.$/.exec(r.out.join('\n'))![1];
    const back = await ws.open();
    assert.deepEqual((await back.sessions.list()).map((s) => s.id), ['s1']);
    assert.deepEqual((await back.sessions.findEvents('before')).map((e) => e.sessionId), ['s1'], 'its text index follows');
    assert.ok((await back.validate()).ok);
    await back.close();
    // What it held before the restore is itself a backup that restores.
    const undo = io();
    assert.equal(await main(['restore', kept, '--db', ws.dbPath], undo.io), 0, undo.err.join('\n'));
    const undone = await ws.open();
    assert.deepEqual((await undone.sessions.list()).map((s) => s.id), ['s2']);
    // The index copy is a whole index.
    assert.ok(fs.statSync(path.join(path.dirname(ws.dbPath), 'my-backup-index.db')).size > 0);
  } finally {
    ws.cleanup();
  }
});

test('restore refuses a file that is not a history backup, and changes nothing', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const lore = await ws.open();
    await lore.index();
    await lore.sessions.record('s1', 'search', { query: 'kept' });
    await assert.rejects(lore.restore(ws.dbPath), /is not a Lore history backup/);
    await assert.rejects(lore.restore(path.join(ws.root, 'a.md')), /Cannot restore session history/);
    assert.deepEqual((await lore.sessions.list()).map((s) => s.id), ['s1']);
  } finally {
    ws.cleanup();
  }
});

test('history is backed up once a day while in use; a damaged history file comes back from its newest backup', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const file = userDataPathFor(ws.dbPath);
    let lore = await ws.open();
    await lore.sessions.record('s1', 'search', { query: 'first day' });
    await lore.close();
    assert.equal(listBackups(file).length, 1, 'the first open made the daily backup');
    lore = await ws.open();
    await lore.close();
    assert.equal(listBackups(file).length, 1, 'not twice in a day');
    // A day later: the next open backs up what the history holds now.
    const old = new Date(Date.now() - 25 * 3600_000);
    for (const b of listBackups(file)) fs.utimesSync(b.path, old, old);
    lore = await ws.open();
    await lore.close();
    assert.equal(listBackups(file).length, 2);
    fs.writeFileSync(file, 'not a database any more');
    const warnings: string[] = [];
    lore = await ws.open({ logger: { warn: (m) => warnings.push(m) } });
    assert.deepEqual((await lore.sessions.events('s1')).map((e) => e.payload.query), ['first day'], 'restored from the backup');
    assert.match(warnings.join('\n'), /session history .* was damaged .* restored from the backup of/);
    assert.ok(fs.readdirSync(path.dirname(file)).some((n) => n.startsWith('lore-user.db.corrupt-')), 'the damaged file is kept aside');
    assert.ok(fs.existsSync(backupsDir(file)));
  } finally {
    ws.cleanup();
  }
});

test(`automatic backups keep the newest ${KEEP_BACKUPS}; backups the user asked for are never pruned`, async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const file = userDataPathFor(ws.dbPath);
    const lore = await ws.open();
    const manual = (await lore.backup()).userData;
    await lore.close();
    const now = Date.now();
    const db = new Database(file);
    try {
      for (let i = 0; i < KEEP_BACKUPS + 3; i++) autoBackup(db, file, 'daily', now + i * 1000);
    } finally {
      db.close();
    }
    const kept = listBackups(file);
    assert.ok(kept.some((b) => b.path === manual), 'the manual backup is still there');
    assert.equal(kept.filter((b) => b.path.endsWith('-daily.db')).length, KEEP_BACKUPS);
  } finally {
    ws.cleanup();
  }
});

test('before a migration changes session history, a copy of it as it was is kept', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    const file = userDataPathFor(ws.dbPath);
    const lore = await ws.open();
    await lore.sessions.record('s1', 'search', { query: 'before the upgrade' });
    await lore.close();
    // A later Lore whose history has a schema 2.
    const current = loadMigrations(path.join(findSchemaDir(), 'user'));
    const next = [...current, { version: current.length + 1, name: 'next.sql', sql: 'ALTER TABLE session_events ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;' }];
    const upgraded = openUserData(file, { migrations: next });
    upgraded.close();
    const copy = listBackups(file).find((b) => b.path.endsWith(`-before-schema-${next.length}.db`));
    assert.ok(copy, `a backup before schema ${next.length}: ${listBackups(file).map((b) => path.basename(b.path)).join(', ')}`);
    const db = new Database(copy.path, { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), current.length, 'the copy is the history as it was');
      assert.deepEqual(db.prepare('SELECT payload FROM session_events').pluck().all(), [JSON.stringify({ query: 'before the upgrade' })]);
    } finally {
      db.close();
    }
  } finally {
    ws.cleanup();
  }
});
