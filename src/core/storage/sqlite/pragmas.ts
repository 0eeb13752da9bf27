import type { Database } from 'better-sqlite3';

/**
 * The settings every connection to a Lore database runs with, whichever thread opens it (open.ts,
 * the writer process): a writer waits up to 5 s for another one's lock, writes through the WAL
 * without a sync at every commit, and keeps foreign keys (chunks go with their document).
 */
export function setConnectionPragmas(db: Database, readonly: boolean): void {
  db.pragma('busy_timeout = 5000');
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 1000');
  }
  db.pragma('foreign_keys = ON');
}
