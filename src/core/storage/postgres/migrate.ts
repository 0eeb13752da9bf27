/**
 * PostgreSQL schema migrations (schema/postgres/NNN_name.sql), applied in order, each in its own
 * transaction, under an advisory lock so that several clients starting at once (two editors, a CI
 * job) apply each migration once. A database whose schema is newer than this Lore knows is refused
 * with a message, never written to.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LoreError } from '../../errors';
import { findSchemaDir } from '../schemaDir';
import { type PgDatabase, safeUrl } from './connect';

/** The advisory lock key of Lore's migrations ('lore' in ASCII). */
const LOCK_KEY = 0x6c6f7265;

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export function loadPgMigrations(dir = path.join(findSchemaDir(), 'postgres')): PgMigration[] {
  const files = fs.readdirSync(dir).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  return files.map((f, i) => {
    const version = Number(f.slice(0, 3));
    if (version !== i + 1) throw new Error(`PostgreSQL migrations must be numbered 001, 002, ... without gaps: ${f} is number ${i + 1}`);
    return { version, name: f, sql: fs.readFileSync(path.join(dir, f), 'utf8') };
  });
}

/** Brings the database's schema up to the newest migration; returns the version it has afterwards. */
export async function migratePg(db: PgDatabase, migrations: PgMigration[] = loadPgMigrations()): Promise<{ version: number; applied: number[] }> {
  const client = await db.pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      // Created only when missing: a user who may write the index but not create tables (a team's client role) opens a migrated one.
      const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('lore_schema')::text AS t`);
      if (!exists.rows[0]?.t) {
        await client.query(`CREATE TABLE IF NOT EXISTS lore_schema (
          version    INTEGER PRIMARY KEY,
          name       TEXT    NOT NULL,
          applied_at BIGINT  NOT NULL
        )`).catch((err) => {
          throw new LoreError('DB_OPEN', `The team index at ${safeUrl(db.url)} has no Lore schema yet, and this user may not create it (${(err as Error).message}): run Lore once as a user who may create tables in the database, or GRANT CREATE ON SCHEMA public.`, { cause: err });
        });
      }
      const row = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM lore_schema');
      const current = row.rows[0]?.v ?? 0;
      const newest = migrations.at(-1)?.version ?? 0;
      if (current > newest) {
        throw new LoreError('SCHEMA_TOO_NEW', `The team index at ${safeUrl(db.url)} has schema version ${current}, newer than this Lore knows (${newest}): update Lore to use it (nothing was changed).`);
      }
      for (const m of migrations.filter((x) => x.version > current)) {
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO lore_schema (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
          await client.query('COMMIT');
          applied.push(m.version);
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new LoreError('DB_OPEN', `PostgreSQL migration ${m.name} failed (the database is as it was before it): ${(err as Error).message}`, { cause: err });
        }
      }
      return { version: Math.max(current, newest), applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
