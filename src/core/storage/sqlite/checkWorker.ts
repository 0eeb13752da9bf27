/**
 * Worker thread entry: SQLite's quick check of an index file on a connection of its own, so that
 * the seconds it takes on a large index never block the thread the editor or the CLI runs on.
 * Posts the problems found ([] when the file is sound), or an error when it could not check.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { errorMessage } from '../../errors';

export type CheckReply = { problems: string[] } | { error: string };

function check(file: string): CheckReply {
  let db: Database | undefined;
  try {
    const Driver = require('better-sqlite3') as new (file: string, opts: object) => Database;
    db = new Driver(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    try {
      (require('sqlite-vec') as { load(db: Database): void }).load(db); // vector tables are checked too
    } catch {
      // without it the check still reads every page
    }
    const rows = db.pragma('quick_check(20)') as { quick_check: string }[];
    return { problems: rows.map((r) => r.quick_check).filter((m) => m !== 'ok') };
  } catch (err) {
    const code = (err as { code?: string }).code;
    // A file that is not a database at all, or damaged where opening reads: that is the finding.
    if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT')) return { problems: [errorMessage(err)] };
    return { error: errorMessage(err) };
  } finally {
    db?.close();
  }
}

parentPort!.postMessage(check((workerData as { file: string }).file));
