/**
 * The user's own data (session history and durable memory) in its own database file beside
 * the index. The index is rebuildable from the markdown at any time; this file is not, so nothing
 * that rebuilds, deletes or recovers the index touches it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { errorMessage, LoreError } from '../../errors';
import { autoBackup, backupDue, backupPath, listBackups, restoreInto, writeBackup } from './backup';
import { damageReason, isDamage, moveAside } from './recover';
import { SqliteMemoryStore } from './memory';
import { SqliteSessionStore } from './sessions';
import { findSchemaDir, loadMigrations, type Migration, schemaVersion } from './migrate';
import { openDatabase } from './open';
import { validateUserData, type ValidationReport } from './validate';

/** The file's name, in the folder of the index it belongs to (shared by every index in that folder). */
export const USER_DATA_FILE = 'lore-user.db';

/** How often a long-running process checks whether the daily backup of user data is due. */
const DAILY_CHECK_MS = 6 * 60 * 60 * 1000;

/** Index schema version that drops the history tables from the index file (after moveHistory). */
export const HISTORY_LEAVES_INDEX = 7;

export function userDataPathFor(indexPath: string): string {
  return path.join(path.dirname(path.resolve(indexPath)), USER_DATA_FILE);
}

export interface UserData {
  /** The file, or ':memory:' for an empty read-only stand-in when a read-only Lore finds none. */
  readonly path: string;
  readonly sessions: SqliteSessionStore;
  readonly memory: SqliteMemoryStore;
  readonly db: Database;
  validate(): ValidationReport;
  /** A consistent copy of the history at `to` (default: a new file in the backups folder beside it). */
  backup(to?: string): string;
  /** Replaces the history with a backup's; the history as it was is backed up first (returned). */
  restore(from: string): string;
  close(): void;
}

let userMigrations: ReturnType<typeof loadMigrations> | undefined;
const migrations = () => (userMigrations ??= loadMigrations(path.join(findSchemaDir(), 'user')));

/**
 * Opens (creating unless read-only) the user-data file. Read-only and missing: an empty in-memory
 * stand-in whose writes are refused, so a reader of someone else's index still lists "no history".
 */
export function openUserData(
  file: string,
  opts: { readonly?: boolean; warn?: (message: string) => void; /** The migrations to apply (default: schema/user/; tests pass a later one). */ migrations?: Migration[] } = {},
): UserData {
  const readonly = opts.readonly ?? false;
  const missingReadonly = readonly && file !== ':memory:' && !fs.existsSync(file);
  const where = missingReadonly ? ':memory:' : file;
  const onDisk = where !== ':memory:';
  // A file created now has nothing to keep a copy of before its migrations.
  const hadData = onDisk && fs.existsSync(where) && fs.statSync(where).size > 0;
  const open = () =>
    openDatabase(where, {
      readonly: readonly && !missingReadonly,
      migrations: opts.migrations ?? migrations(),
      loadVectorExtension: false,
      label: 'Lore history',
      // Before a migration changes the user's own data, a copy of it as it was.
      beforeMigration: (db, version) => hadData && !readonly && version > 1 && autoBackup(db, where, `before-schema-${version}`),
    }).db;
  let db: Database;
  try {
    db = open();
  } catch (err) {
    if (err instanceof LoreError && err.code === 'SCHEMA_TOO_NEW') {
      throw new LoreError('SCHEMA_TOO_NEW', `The session history at ${file} was written by a newer version of Lore; update Lore to use it (nothing in it was changed).`, { cause: err });
    }
    const backup = onDisk && !readonly && isDamage(err) ? listBackups(where)[0] : undefined;
    if (!backup) throw err;
    // The user's data is not rebuildable: the damaged file is kept aside and the newest backup takes its place.
    const movedTo = moveAside(where);
    fs.copyFileSync(backup.path, where);
    opts.warn?.(`the session history at ${where} was damaged (${damageReason(err)}); it was moved to ${movedTo} and restored from the backup of ${new Date(backup.at).toISOString()}`);
    db = open();
  }
  // Once a day while in use: now if the last backup is a day old, and checked again every few hours
  // for a process that stays up (an editor window open for days).
  const daily = () => {
    if (!db.open || !backupDue(where)) return;
    try {
      autoBackup(db, where, 'daily');
    } catch (err) {
      opts.warn?.(`the daily backup of session history failed: ${errorMessage(err)}`);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  if (onDisk && !readonly) {
    daily();
    timer = setInterval(daily, DAILY_CHECK_MS);
    timer.unref();
  }
  const sessions = new SqliteSessionStore(db, Date.now, { readonly, warn: opts.warn });
  const memory = new SqliteMemoryStore(db, Date.now, { readonly, warn: opts.warn });
  return {
    path: where,
    sessions,
    memory,
    db,
    validate: () => validateUserData(db),
    backup: (to) => writeBackup(db, to ?? backupPath(where, 'manual')),
    restore: (from) => {
      if (readonly || !onDisk) throw new LoreError('BAD_INPUT', 'Session history is read-only here: it cannot be restored.');
      const kept = autoBackup(db, where, 'before-restore');
      try {
        restoreInto(db, path.resolve(from), { table: 'session_events', label: 'Lore history' }, migrations().length);
      } catch (err) {
        throw new LoreError('BAD_INPUT', `Cannot restore session history from ${from}: ${errorMessage(err)}`, { cause: err });
      }
      sessions.changedElsewhere();
      memory.rebuildTextIndex(); // memory's text index has no triggers: made again for the restored entries
      return kept;
    },
    close: () => {
      clearInterval(timer);
      db.close();
    },
  };
}

const hasTable = (db: Database, name: string) =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) === 1;

/**
 * Copies the session history an index file holds (schemas 4-6) into the user-data file, in one
 * transaction there. Safe to run again after a crash: sessions already there are kept as they are,
 * and an event already there (same session and sequence number) is not added twice.
 * Returns how many events were copied.
 */
export function moveHistory(index: Database, user: UserData): number {
  if (!hasTable(index, 'sessions') || schemaVersion(index) >= HISTORY_LEAVES_INDEX) return 0;
  const sessions = index.prepare('SELECT id, title, status, state, metadata, created_at, last_update_time, terminated_at, archived_at FROM sessions');
  const events = index.prepare('SELECT session_id, seq, type, payload, time FROM session_events ORDER BY id');
  const addSession = user.db.prepare(`INSERT OR IGNORE INTO sessions (id, title, status, state, metadata, created_at, last_update_time, terminated_at, archived_at)
    VALUES (@id, @title, @status, @state, @metadata, @created_at, @last_update_time, @terminated_at, @archived_at)`);
  const addEvent = user.db.prepare(`INSERT OR IGNORE INTO session_events (session_id, seq, type, payload, time)
    VALUES (@session_id, @seq, @type, @payload, @time)`);
  return user.db.transaction(() => {
    for (const s of sessions.iterate()) addSession.run(s);
    let copied = 0;
    for (const e of events.iterate()) copied += addEvent.run(e).changes;
    return copied;
  }).immediate();
}
