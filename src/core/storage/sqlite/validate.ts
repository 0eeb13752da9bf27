import type { Database } from 'better-sqlite3';

import type { ValidationProblem, ValidationReport } from '../storage';

export type { ValidationProblem, ValidationReport } from '../storage';

type Check = { name: string; run: (db: Database) => string[] };

const count = (db: Database, sql: string): number => (db.prepare(sql).get() as { n: number }).n;

/** An FTS5 table keeps its rowids in %_docsize: it must hold exactly the ids of `table`. */
function ftsInStep(db: Database, table: string, fts: string, missing: (n: number) => string, extra: (n: number) => string): string[] {
  const m = count(db, `SELECT count(*) AS n FROM ${table} WHERE id NOT IN (SELECT id FROM ${fts}_docsize)`);
  const x = count(db, `SELECT count(*) AS n FROM ${fts}_docsize WHERE id NOT IN (SELECT id FROM ${table})`);
  return [...(m ? [missing(m)] : []), ...(x ? [extra(x)] : [])];
}

const INDEX_CHECKS: Check[] = [
  {
    name: 'integrity_check',
    run: (db) => {
      const rows = db.pragma('integrity_check') as { integrity_check: string }[];
      return rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
    },
  },
  {
    name: 'foreign_key_check',
    run: (db) =>
      (db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[]).map(
        (r) => `${r.table} row ${r.rowid} points at a missing ${r.parent} row`,
      ),
  },
  {
    name: 'fts_integrity',
    run: (db) => {
      // The command is an INSERT, refused on a read-only connection; there PRAGMA integrity_check
      // (above) already ran FTS5's own check (SQLite 3.44 and later).
      if (db.readonly) return [];
      try {
        db.exec("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('integrity-check', 0)");
        return [];
      } catch (err) {
        return [`full-text index is damaged: ${(err as Error).message}`];
      }
    },
  },
  {
    name: 'fts_in_step',
    run: (db) =>
      ftsInStep(db, 'chunks', 'chunks_fts', (n) => `${n} chunk(s) are missing from the full-text index`, (n) => `${n} full-text entr(ies) have no chunk`),
  },
  {
    name: 'orphan_chunks',
    run: (db) => {
      const n = count(db, 'SELECT count(*) AS n FROM chunks WHERE document_id NOT IN (SELECT id FROM document_index)');
      return n ? [`${n} chunk(s) belong to no document`] : [];
    },
  },
  {
    name: 'chunk_count',
    run: (db) =>
      (
        db
          .prepare(
            `SELECT d.file_path AS path, d.chunk_count AS expected, count(c.id) AS actual
             FROM document_index d LEFT JOIN chunks c ON c.document_id = d.id
             GROUP BY d.id HAVING d.chunk_count != count(c.id)`,
          )
          .all() as { path: string; expected: number; actual: number }[]
      ).map((r) => `${r.path}: chunk_count says ${r.expected} but it has ${r.actual} chunk(s)`),
  },
  {
    name: 'failed_have_reason',
    run: (db) =>
      (db.prepare("SELECT file_path AS path FROM document_index WHERE sync_status = 'failed' AND (error IS NULL OR error = '')").all() as { path: string }[]).map(
        (r) => `${r.path} is marked failed without a reason`,
      ),
  },
];

// The user-data file (session history, memory): the file itself, then the text indexes and memory's versions.
const USER_DATA_CHECKS: Check[] = [
  INDEX_CHECKS[0],
  INDEX_CHECKS[1],
  {
    name: 'session_fts_in_step',
    run: (db) =>
      ftsInStep(db, 'session_events', 'session_events_fts',
        (n) => `${n} session event(s) are missing from their text index`, (n) => `${n} session text entr(ies) have no event`),
  },
  {
    name: 'memory_one_latest',
    run: (db) =>
      (db.prepare(`SELECT namespace, key, sum(is_latest) AS n, max(version) AS top,
          max(CASE WHEN is_latest = 1 THEN version END) AS flagged FROM memory_entries GROUP BY namespace, key
          HAVING n != 1 OR flagged != top`).all() as Array<{ namespace: string; key: string; n: number }>).map(
        (r) => `memory ${r.namespace} ${r.key} has ${r.n} versions marked latest, or not its newest`,
      ),
  },
  {
    name: 'memory_fts_in_step',
    // Only live entries (latest version, not forgotten) are in the text index.
    run: (db) =>
      ftsInStep(db, '(SELECT id FROM memory_entries WHERE is_latest = 1 AND is_deleted = 0)', 'memory_fts',
        (n) => `${n} memor(ies) are missing from their text index`, (n) => `${n} memory text entr(ies) have no live memory`),
  },
];

/** Runs every consistency check of the index; each problem found is reported, none is fatal to the others. */
export function validateDatabase(db: Database): ValidationReport {
  // FTS5 keeps each connection's view of its index in memory. A query renews it when another
  // connection (the writer process, the CLI) has committed since; PRAGMA integrity_check does not,
  // and compared a view older than the writer process's commits with the file: "corruption found"
  // in an index a fresh connection finds sound. One query first gives the check today's view.
  try {
    db.prepare("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'lore' LIMIT 1").all();
  } catch {
    // a file this damaged is described by the checks themselves
  }
  return runChecks(db, INDEX_CHECKS);
}

/** The same for the user-data file; its checks are named `history:<check>`. */
export function validateUserData(db: Database): ValidationReport {
  const r = runChecks(db, USER_DATA_CHECKS);
  const named = (c: string) => `history:${c}`;
  return { ok: r.ok, problems: r.problems.map((p) => ({ ...p, check: named(p.check) })), checked: r.checked.map(named) };
}
export { mergeReports } from '../storage';

function runChecks(db: Database, checks: Check[]): ValidationReport {
  const problems: ValidationProblem[] = [];
  for (const check of checks) {
    let messages: string[];
    try {
      messages = check.run(db);
    } catch (err) {
      messages = [`check could not run: ${(err as Error).message}`];
    }
    for (const message of messages) problems.push({ check: check.name, message });
  }
  return { ok: problems.length === 0, problems, checked: checks.map((c) => c.name) };
}
