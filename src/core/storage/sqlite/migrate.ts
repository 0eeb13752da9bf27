import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { LoreError } from '../../errors';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

export { findSchemaDir } from '../schemaDir';
import { findSchemaDir } from '../schemaDir';

/** Reads `NNN_name.sql` files in order; versions must run 1, 2, 3... without gaps. */
export function loadMigrations(schemaDir = findSchemaDir()): Migration[] {
  const migrations = fs
    .readdirSync(schemaDir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f,
      sql: fs.readFileSync(path.join(schemaDir, f), 'utf8'),
    }));
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`schema migrations must be numbered 001, 002, ... without gaps: found ${m.name}`);
  });
  return migrations;
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to the newest schema (or `upTo`), one transaction per migration,
 * recording each in PRAGMA user_version. A database from a newer Lore is refused, untouched.
 */
export function migrate(
  db: Database,
  migrations: Migration[] = loadMigrations(),
  upTo?: number,
  /** Runs before migration `version` is applied (outside its transaction), e.g. to move data it drops. */
  before?: (version: number) => void,
): number {
  const latest = migrations.length;
  const target = upTo ?? latest;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new LoreError(
      'SCHEMA_TOO_NEW',
      `This index was written by a newer version of Lore (schema ${current}; this Lore understands up to ${latest}). ` +
        `Update Lore, or rebuild the index (it is made from your markdown, nothing else is lost). Database: ${db.name}`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    before?.(m.version);
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
