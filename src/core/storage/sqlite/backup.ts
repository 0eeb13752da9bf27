/**
 * Backups of Lore's SQLite files: consistent copies made with `VACUUM INTO` (a snapshot of one
 * transaction, compacted), kept in a `backups/` folder beside the files, the newest few kept.
 * User data is backed up before every migration of its file and once a day while in use; a damaged
 * user-data file is replaced by its newest good backup.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { fileStamp } from './recover';

/** Automatic backups of user data kept (a manual `lore backup --to` is the user's to keep). */
export const KEEP_BACKUPS = 7;
export const DAY_MS = 24 * 60 * 60 * 1000;

export function backupsDir(file: string): string {
  return path.join(path.dirname(path.resolve(file)), 'backups');
}

const prefixOf = (file: string) => path.basename(file).replace(/\.db$/, '');

/** Where a backup of `file` made now for `why` ('daily', 'manual', 'before-schema-2'…) goes. */
export function backupPath(file: string, why: string, now = Date.now()): string {
  return path.join(backupsDir(file), `${prefixOf(file)}-${fileStamp(now)}-${why}.db`);
}

/** Writes a consistent copy of `db` to `to` (a new file; an existing one is replaced). */
export function writeBackup(db: Database, to: string): string {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.partial`;
  fs.rmSync(tmp, { force: true });
  db.prepare('VACUUM INTO ?').run(tmp);
  fs.renameSync(tmp, to); // a backup is whole or absent
  return to;
}

/** The backups of `file` in its backups folder (automatic and manual), newest first. */
export function listBackups(file: string): { path: string; at: number }[] {
  const dir = backupsDir(file);
  if (!fs.existsSync(dir)) return [];
  const prefix = `${prefixOf(file)}-`;
  return fs
    .readdirSync(dir)
    .filter((n) => n.startsWith(prefix) && n.endsWith('.db'))
    .map((n) => ({ path: path.join(dir, n), at: fs.statSync(path.join(dir, n)).mtimeMs }))
    .sort((a, b) => b.path.localeCompare(a.path));
}

/** Backs `file` (open as `db`) up into its backups folder, keeping the newest KEEP_BACKUPS automatic ones (manual ones are the user's). */
export function autoBackup(db: Database, file: string, why: string, now = Date.now()): string {
  const to = backupPath(file, why, now);
  writeBackup(db, to);
  const automatic = listBackups(file).filter((b) => !b.path.endsWith('-manual.db'));
  for (const old of automatic.slice(KEEP_BACKUPS)) fs.rmSync(old.path, { force: true });
  return to;
}

/** Whether the newest automatic backup of `file` is older than a day (or there is none). */
export function backupDue(file: string, now = Date.now()): boolean {
  const newest = listBackups(file)[0];
  return !newest || now - newest.at > DAY_MS;
}

/**
 * Replaces the contents of the open database `db` with those of `from` (a backup of the same kind
 * of file, at the same schema), table by table in one transaction; full-text indexes follow through
 * their triggers. `kind` names a table that file must have.
 */
export function restoreInto(db: Database, from: string, kind: { table: string; label: string }, schema: number): void {
  if (!fs.existsSync(from)) throw new Error(`there is no file at ${from}`);
  db.prepare('ATTACH DATABASE ? AS src').run(from);
  try {
    const has = (name: string) => db.prepare("SELECT 1 FROM src.sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) === 1;
    if (!has(kind.table)) throw new Error(`${from} is not a ${kind.label} backup (it has no ${kind.table} table)`);
    const version = db.prepare('PRAGMA src.user_version').pluck().get() as number;
    if (version !== schema) throw new Error(`${from} is at schema ${version}, this Lore's ${kind.label} at ${schema}: open it with the Lore that wrote it`);
    const all = db.prepare("SELECT name, sql FROM src.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string; sql: string }[];
    const virtual = all.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql)).map((t) => t.name);
    // Plain tables only: a full-text index and its shadow tables are rebuilt by their triggers.
    const tables = all.map((t) => t.name).filter((n) => !virtual.some((v) => n === v || n.startsWith(`${v}_`)));
    db.transaction(() => {
      db.pragma('defer_foreign_keys = ON');
      for (const t of [...tables].reverse()) db.prepare(`DELETE FROM main."${t}"`).run();
      for (const t of tables) db.prepare(`INSERT INTO main."${t}" SELECT * FROM src."${t}"`).run();
    })();
  } finally {
    db.prepare('DETACH DATABASE src').run();
  }
}
