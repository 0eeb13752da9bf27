import fs from 'node:fs';
import path from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { LoreError, errorMessage } from '../../errors';
import { loadMigrations, type Migration, migrate, schemaVersion } from './migrate';
import { setConnectionPragmas } from './pragmas';
import { codesOf } from './recover';

export interface OpenOptions {
  readonly?: boolean;
  /** Stop at this schema version (tests of migration only). */
  schemaUpTo?: number;
  /** Loads sqlite-vec into a connection (default: the sqlite-vec package). Tests pass a failing one. */
  loadVectorExtension?: ((db: Db) => void) | false;
  /** The migrations to apply (default: the index's, `schema/`). */
  migrations?: Migration[];
  /** Called before each migration is applied (see migrate). */
  beforeMigration?: (db: Db, version: number) => void;
  /** What the file is, in messages: "Lore index" (default) or "Lore history". */
  label?: string;
}

export interface OpenedDatabase {
  db: Db;
  /**
   * Read-only and the file's folder is not writable (SQLite could not keep its shared-memory file
   * beside it): the database was read into memory as it is on disk, a snapshot.
   */
  snapshot?: boolean;
  /**
   * Whether sqlite-vec loaded (and `byDefault`: from the sqlite-vec package, as another thread's
   * connection can load it too); when it did not, `error` says why and keyword search still works.
   */
  vec: { loaded: boolean; byDefault?: boolean; version?: string; error?: string };
}

type DatabaseCtor = new (file: string | Buffer, options?: { readonly?: boolean; fileMustExist?: boolean }) => Db;

function loadDriver(): DatabaseCtor {
  try {
    return require('better-sqlite3') as DatabaseCtor;
  } catch (err) {
    throw new LoreError(
      'NATIVE_MODULE',
      `Lore's database module (better-sqlite3) could not load in this runtime (Node ${process.versions.node}, ` +
        `ABI ${process.versions.modules}, ${process.platform}-${process.arch}): ${errorMessage(err)}. ` +
        `Install the Lore build made for this platform, or rebuild it with \`npm rebuild better-sqlite3\`.`,
      { cause: err },
    );
  }
}

export const loadSqliteVec = (db: Db): void => (require('sqlite-vec') as { load(db: Db): void }).load(db);

function loadVec(db: Db, load: ((db: Db) => void) | false = loadSqliteVec): OpenedDatabase['vec'] {
  if (load === false) return { loaded: false, error: 'not loaded here' };
  try {
    load(db);
    const version = db.prepare('SELECT vec_version() AS v').get() as { v: string };
    return { loaded: true, byDefault: load === loadSqliteVec, version: version.v };
  } catch (err) {
    return {
      loaded: false,
      error: `sqlite-vec could not load (${errorMessage(err)}); semantic search is unavailable, keyword search works.`,
    };
  }
}

/** Opens (creating if needed) a Lore database with the pragmas every connection uses, and migrates it. */
function openFile(file: string, options: OpenOptions, source?: Buffer): OpenedDatabase {
  const Database = loadDriver();
  const label = options.label ?? 'Lore index';
  const migrations = options.migrations ?? loadMigrations();
  if (!options.readonly && file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Db;
  try {
    db = source ? new Database(source, { readonly: true }) : new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new LoreError('DB_OPEN', `Cannot open the ${label} at ${file}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    setConnectionPragmas(db, options.readonly ?? false);
    const vec = loadVec(db, options.loadVectorExtension);
    if (options.readonly) {
      // A reader cannot migrate; it can only refuse what it does not understand.
      migrateCheckOnly(db, migrations, label);
    } else {
      migrate(db, migrations, options.schemaUpTo, options.beforeMigration && ((v) => options.beforeMigration!(db, v)));
    }
    return source ? { db, vec, snapshot: true } : { db, vec };
  } catch (err) {
    db.close();
    if (err instanceof LoreError) throw err;
    throw new LoreError('DB_OPEN', `Cannot use the ${label} at ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Opens (creating if needed) a Lore database with the pragmas every connection uses, and migrates it. */
export function openDatabase(file: string, options: OpenOptions = {}): OpenedDatabase {
  try {
    return openFile(file, options);
  } catch (err) {
    if (!options.readonly || !cannotKeepSharedMemory(err) || !fs.existsSync(file)) throw err;
    // A reader of an index in a folder it may not write (another user's, a read-only mount): read
    // the file into memory instead. Changes still in its write-ahead log are not seen.
    const bytes = fs.readFileSync(file);
    if (bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1; // WAL mode means nothing in memory
    return openFile(file, options, bytes);
  }
}

/** SQLite could not create the -shm (or -wal) file it needs beside a database in WAL mode. */
function cannotKeepSharedMemory(err: unknown): boolean {
  return codesOf(err).some((c) => /^SQLITE_(READONLY|CANTOPEN)/.test(c));
}

function migrateCheckOnly(db: Db, migrations: Migration[], label: string): void {
  const latest = migrations.length;
  const current = schemaVersion(db);
  if (current > latest) migrate(db, migrations); // throws the SCHEMA_TOO_NEW message
  if (current < latest) {
    throw new LoreError('DB_OPEN', `The ${label} at ${db.name} is at schema ${current}; open it once read-write to upgrade it.`);
  }
}
