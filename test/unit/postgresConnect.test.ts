// The PostgreSQL backend's foundations on real engines: a real PostgreSQL 15 server (the cluster
// `npm test` starts) and PGlite (PostgreSQL 18 + pgvector, WebAssembly, over the wire protocol):
// migrations applied once under an advisory lock by clients starting together, a newer schema
// refused, transactions rolled back and retried, a bad password or a dead server said plainly
// without the secret, and a project named by its git remote.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describePgError, openPg, safeUrl } from '../../src/core/storage/postgres/connect';
import { loadPgMigrations, migratePg } from '../../src/core/storage/postgres/migrate';
import { ensureProject, normaliseRemote, projectName } from '../../src/core/storage/postgres/project';
import { freshDatabase, realPostgres, startPglite } from '../fixtures/postgres';

const server = realPostgres();
const skip = 'skip' in server ? server.skip : false;

describe('PostgreSQL 15 (real server): connections, migrations, transactions', { skip }, () => {
  let db: { url: string; drop(): Promise<void> };
  before(async () => {
    db = await freshDatabase((server as { url: string }).url);
  });
  after(async () => db?.drop());

  it('three clients starting at once apply each migration once; the tables are there', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => openPg({ url: db.url })));
    try {
      const runs = await Promise.all(clients.map((c) => migratePg(c)));
      const newest = loadPgMigrations().at(-1)!.version;
      assert.deepEqual(runs.map((r) => r.version), [newest, newest, newest]);
      assert.deepEqual(runs.flatMap((r) => r.applied).sort(), loadPgMigrations().map((m) => m.version), 'each migration applied by exactly one client');
      const rows = await clients[0].query<{ version: number }>('SELECT version FROM lore_schema ORDER BY version');
      assert.deepEqual(rows.rows.map((r) => r.version), loadPgMigrations().map((m) => m.version));
      const tables = await clients[0].query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      for (const t of ['chunks', 'document_index', 'lore_projects', 'lore_schema']) assert.ok(tables.rows.some((r) => r.t === t), t);
      // The weighted full-text column answers websearch-style queries.
      const p = await ensureProject(clients[0], 'github.com/acme/handbook');
      assert.equal(await ensureProject(clients[1], 'github.com/acme/handbook'), p, 'one project id for every client');
      const d = await clients[0].query<{ id: string }>(`INSERT INTO document_index (project_id, file_path, title, document_type, content_hash, size, mtime, created_at, updated_at)
        VALUES ($1, 'docs/adr/1.md', 'Use PostgreSQL', 'adr', 'h', 10, 1, 1, 1) RETURNING id`, [p]);
      await clients[0].query(`INSERT INTO chunks (document_id, ordinal, heading_path, start_line, end_line, text, content_hash, title)
        VALUES ($1, 0, 'Decision', 1, 3, 'Readers never block the writer.', 'c', 'Use PostgreSQL')`, [d.rows[0].id]);
      const hit = await clients[0].query("SELECT ts_rank(search, q) AS r FROM chunks, websearch_to_tsquery('english', $1) q WHERE search @@ q", ['readers "block the writer" -nothing']);
      assert.equal(hit.rowCount, 1);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('a schema newer than this Lore is refused, and nothing is changed', async () => {
    const c = await openPg({ url: db.url });
    try {
      await migratePg(c);
      await c.query("INSERT INTO lore_schema (version, name, applied_at) VALUES (99, '099_future.sql', 0)");
      await assert.rejects(migratePg(c), /has schema version 99, newer than this Lore knows \(\d+\): update Lore/);
      await c.query('DELETE FROM lore_schema WHERE version = 99');
    } finally {
      await c.close();
    }
  });

  it('a failing transaction rolls back; a serialization failure is retried until it commits', async () => {
    const c = await openPg({ url: db.url });
    try {
      await c.query('CREATE TABLE IF NOT EXISTS t_retry (k int primary key, v int)');
      await c.query('INSERT INTO t_retry VALUES (1, 0) ON CONFLICT DO NOTHING');
      await assert.rejects(c.transaction(async (x) => {
        await x.query('UPDATE t_retry SET v = 100 WHERE k = 1');
        throw new Error('boom');
      }), /boom/);
      assert.equal((await c.query<{ v: number }>('SELECT v FROM t_retry WHERE k = 1')).rows[0].v, 0, 'rolled back');
      // Two serializable writers of the same row: one fails with 40001 and is run again.
      let attempts = 0;
      const bump = () => c.transaction(async (x) => {
        attempts++;
        const v = (await x.query<{ v: number }>('SELECT v FROM t_retry WHERE k = 1')).rows[0].v;
        await new Promise((r) => setTimeout(r, 50));
        await x.query('UPDATE t_retry SET v = $1 WHERE k = 1', [v + 1]);
      }, { isolation: 'serializable' });
      await Promise.all([bump(), bump()]);
      assert.equal((await c.query<{ v: number }>('SELECT v FROM t_retry WHERE k = 1')).rows[0].v, 2, 'both increments kept');
      assert.ok(attempts >= 3, `one of them ran again (${attempts} attempts)`);
    } finally {
      await c.close();
    }
  });

  it('a statement past its timeout is cancelled with a message that says so', async () => {
    const c = await openPg({ url: db.url, statementTimeoutMs: 100 });
    try {
      const err = await c.query('SELECT pg_sleep(2)').then(() => undefined, (e: unknown) => e);
      assert.match(describePgError(err, db.url), /ran past the statement timeout/);
    } finally {
      await c.close();
    }
  });
});

describe('PostgreSQL problems said plainly, without the password', () => {
  it('a server that is not there, and a URL that is not PostgreSQL', async () => {
    const err = await openPg({ url: 'postgres://lore:s3cret-pass@127.0.0.1:9/lore', connectTimeoutMs: 2000 }).then(() => undefined, (e: Error) => e);
    assert.match(String(err?.message), /PostgreSQL at postgres:\/\/lore:\*\*\*@127\.0\.0\.1:9\/lore is not answering \(connection refused\)/);
    assert.doesNotMatch(String(err?.message), /s3cret/);
    await assert.rejects(openPg({ url: 'mysql://x@y/z' }), /is not a PostgreSQL URL/);
    assert.equal(safeUrl('postgres://u:pw@h:1/d?password=pw2'), 'postgres://u:***@h:1/d?password=***');
  });

  it('a bad password on the real server: the login refused, the password nowhere in the message', { skip: skip || (!(server as { dir?: string }).dir && 'the test cluster\'s folder is not known here') }, async () => {
    const { url, dir } = server as { url: string; dir: string };
    const c = await openPg({ url });
    const role = `lore_pw_${process.pid}`;
    const hba = path.join(dir, 'data', 'pg_hba.conf');
    const before = fs.readFileSync(hba, 'utf8');
    try {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'right-one'`);
      // The test cluster trusts local logins; this role must give its password.
      fs.writeFileSync(hba, `host all ${role} 127.0.0.1/32 scram-sha-256\n${before}`);
      await c.query('SELECT pg_reload_conf()');
      const u = new URL(url);
      u.username = role;
      u.password = 'wrong-one';
      let err: Error | undefined;
      for (let i = 0; i < 50; i++) {
        err = await openPg({ url: u.toString() }).then(async (x) => (await x.close(), undefined), (e: Error) => e);
        if (err) break;
        await new Promise((r) => setTimeout(r, 100)); // the reload is asynchronous: until it lands, trust still applies
      }
      assert.match(String(err?.message), /refused the login .*check the user and the password \(LORE_DATABASE_PASSWORD\)/);
      assert.doesNotMatch(String(err?.message), /wrong-one/);
      u.password = '';
      const ok = await openPg({ url: u.toString(), password: 'right-one' });
      await ok.close();
    } finally {
      fs.writeFileSync(hba, before);
      await c.query('SELECT pg_reload_conf()').catch(() => undefined);
      await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await c.close();
    }
  });
});

describe('PGlite (PostgreSQL 18 + pgvector, WebAssembly): the same migrations through the same pg code', () => {
  it('migrates, and has pgvector', { timeout: 60_000 }, async () => {
    const lite = await startPglite();
    try {
      const c = await openPg({ url: lite.url, min: 0, max: 1 });
      try {
        const r = await migratePg(c);
        assert.deepEqual(r.applied, loadPgMigrations().map((m) => m.version));
        assert.deepEqual((await migratePg(c)).applied, [], 'a second run applies nothing');
        await c.query('CREATE EXTENSION IF NOT EXISTS vector');
        const d = await c.query<{ d: number }>("SELECT '[1,0]'::vector <=> '[0,1]'::vector AS d");
        assert.equal(Number(d.rows[0].d), 1);
      } finally {
        await c.close();
      }
    } finally {
      await lite.stop();
    }
  });
});

describe('project names', () => {
  it('from the git remote (origin first, credentials and .git dropped), else the folder and a hash of its path', () => {
    assert.equal(normaliseRemote('git@github.com:acme/handbook.git'), 'github.com/acme/handbook');
    assert.equal(normaliseRemote('https://user:token@GitHub.com/acme/handbook/'), 'github.com/acme/handbook');
    assert.equal(normaliseRemote('ssh://git@gitlab.example:2222/team/docs.git'), 'gitlab.example/team/docs');
    assert.equal(normaliseRemote('/srv/git/docs.git'), undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-project-'));
    try {
      fs.mkdirSync(path.join(dir, '.git'));
      fs.writeFileSync(path.join(dir, '.git', 'config'), '[core]\n\tbare = false\n[remote "upstream"]\n\turl = git@github.com:other/fork.git\n[remote "origin"]\n\turl = https://github.com/acme/handbook.git\n');
      fs.mkdirSync(path.join(dir, 'docs'));
      assert.equal(projectName(path.join(dir, 'docs')), 'github.com/acme/handbook', 'a folder inside the repository');
      assert.equal(projectName(dir, 'handbook-prod'), 'handbook-prod', 'a configured name wins');
      fs.rmSync(path.join(dir, '.git'), { recursive: true });
      assert.match(projectName(dir), new RegExp(`^${path.basename(dir)}-[0-9a-f]{12}$`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});


