/**
 * The team index as a user meets it: a Lore on the postgres backend, on a real PostgreSQL 15
 * server of the test's own that is stopped and started again. The local SQLite index answers (and
 * is written) while the server is down, the status says why, and everything gets to the server
 * once it is back; two clients write one project; a bad password is refused clearly and never
 * shown; a small pool serves many searches at once.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Lore, LoreStatus } from '../../src/core/service';
import { main } from '../../src/cli/main';
import { openStorage } from '../../src/core/storage/open';
import { freshDatabase, ownPostgres } from '../fixtures/postgres';
import { tempWorkspace, type TempWorkspace } from './helpers';

const server = ownPostgres();
const skip = 'skip' in server ? server.skip : undefined;
const cluster = server as Exclude<typeof server, { skip: string }>;

const note = (i: number, extra = '') => `# Note ${i}\n\nThe runbook entry number ${i} about widget${i} rotation.${extra}\n`;
const files = (n: number, from = 0) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`notes/n${from + i}.md`, note(from + i)]));

/** Resolves with the status once `test` holds for it, checked at each status change (and now). */
function statusWhen(lore: Lore, test: (s: LoreStatus) => boolean): Promise<LoreStatus> {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = () =>
      void lore.status().then((s) => {
        if (done || !test(s)) return;
        done = true;
        off();
        resolve(s);
      }, reject);
    const off = lore.onStatusChange(check);
    check();
  });
}

async function paths(lore: Lore, query: string): Promise<string[]> {
  return (await lore.search(query, { k: 200 })).results.map((r) => r.path).sort();
}

describe('the team index on a server that goes away', { skip }, () => {
  let db: { url: string; drop(): Promise<void> };
  const logs: string[] = [];
  const logger = { warn: (m: string) => logs.push(m) };
  const workspaces: TempWorkspace[] = [];
  const open = (ws: TempWorkspace, project: string, extra: Record<string, unknown> = {}) =>
    ws.open({ backend: 'postgres', postgres: { url: db.url, project, probeMs: 3_600_000 }, logger, ...extra });
  const workspace = (f: Record<string, string>) => {
    const ws = tempWorkspace(f);
    workspaces.push(ws);
    return ws;
  };

  before(async () => {
    db = await freshDatabase(cluster.url);
  });
  // A test that failed with the server stopped leaves it running for the next.
  afterEach(() => cluster.resume());
  after(async () => {
    for (const ws of workspaces) ws.cleanup();
    cluster.stop();
  });

  it('stopped mid-index: the local index takes over and says why; back on the server, nothing is lost', { timeout: 120_000 }, async () => {
    const ws = workspace(files(30));
    const lore = await open(ws, 'midindex');
    await lore.index();
    let s = await lore.status();
    assert.equal(s.team?.using, 'postgres');
    assert.equal(s.team?.state, 'connected');
    assert.equal(s.team?.health?.reachable, true);
    assert.match(s.team?.health?.serverVersion ?? '', /^15\./);
    assert.equal(s.documents, 30);
    assert.match(s.dbPath, /^postgres:\/\/lore@127\.0\.0\.1:\d+\/lore_test_\w+#midindex$/);

    // 60 more notes; the server stops once the run has written some of them.
    for (const [rel, text] of Object.entries(files(60, 30))) ws.write(rel, text);
    let paused = false;
    const offProgress = lore.onProgress((p) => {
      if (paused || p.phase !== 'indexing' || p.done < 5) return;
      paused = true;
      cluster.pause();
    });
    await lore.index().catch((err) => assert.match(String(err), /team index unreachable/));
    offProgress();
    assert.ok(paused, 'the server was stopped during the run');

    // The engine ran a full pass into the local index: every note is found there.
    s = await statusWhen(lore, (st) => st.team?.using === 'sqlite');
    assert.equal(s.team?.state, 'unreachable');
    assert.match(s.team?.reason ?? '', /terminat|shut|refused|connect/i);
    assert.equal(s.team?.local, ws.dbPath);
    await lore.index();
    s = await lore.status();
    assert.equal(s.documents, 90);
    assert.equal(s.dbPath, ws.dbPath);
    assert.deepEqual(await paths(lore, 'widget77'), ['notes/n77.md']);

    // Written while the server is down: a note changed, one added, one deleted, a memory kept.
    ws.write('notes/n3.md', note(3, ' Now also the quokka procedure.'));
    ws.write('down.md', '# Written offline\n\nThe aardvark checklist.\n');
    ws.remove('notes/n4.md');
    await lore.index();
    await lore.memory.remember('project:team', 'freeze', 'The deploy freeze starts on Fridays');
    assert.deepEqual(await paths(lore, 'quokka'), ['notes/n3.md']);

    // Back: the next probe (here: asked for now) moves to the server, which is brought up to date.
    cluster.resume();
    await lore.reconnectTeam();
    s = await statusWhen(lore, (st) => st.team?.using === 'postgres');
    assert.equal(s.team?.state, 'connected');
    assert.equal(s.team?.reason, undefined);
    await lore.index();
    s = await lore.status();
    assert.equal(s.documents, 90);
    assert.match(s.dbPath, /#midindex$/);
    assert.deepEqual(await paths(lore, 'quokka'), ['notes/n3.md']);
    assert.deepEqual(await paths(lore, 'aardvark'), ['down.md']);
    assert.deepEqual(await paths(lore, 'widget4'), []);
    assert.deepEqual(await paths(lore, 'widget88'), ['notes/n88.md']);
    assert.equal((await lore.memory.recall('project:team', 'freeze'))?.value, 'The deploy freeze starts on Fridays');
    assert.ok(logs.some((m) => /team index unreachable: .*working on the local index at /.test(m)), logs.join('\n'));
    assert.ok(logs.some((m) => /reachable again: back on it/.test(m)), logs.join('\n'));
    await lore.close();
  });

  it('down at start: opens on the local index, and moves to the server when it is back', { timeout: 60_000 }, async () => {
    const ws = workspace(files(10));
    cluster.pause();
    let lore: Lore | undefined;
    try {
      lore = await open(ws, 'downatstart');
      const s = await lore.status();
      assert.equal(s.team?.using, 'sqlite');
      assert.equal(s.team?.state, 'unreachable');
      assert.match(s.team?.reason ?? '', /refused|connect/i);
      await lore.index();
      assert.deepEqual(await paths(lore, 'widget7'), ['notes/n7.md']);
    } finally {
      cluster.resume();
    }
    assert.ok(lore);
    await lore.reconnectTeam();
    await statusWhen(lore, (st) => st.team?.using === 'postgres');
    await lore.index();
    assert.equal((await lore.status()).documents, 10);
    assert.deepEqual(await paths(lore, 'widget7'), ['notes/n7.md']);
    await lore.close();
  });

  it('two clients write one project at once: both end consistent, and a change by one is fresh for the other', { timeout: 120_000 }, async () => {
    const a = workspace(files(40));
    const b = workspace(files(40));
    const [la, lb] = await Promise.all([open(a, 'shared'), open(b, 'shared')]);
    await Promise.all([la.index(), lb.index()]);
    for (const l of [la, lb]) {
      const s = await l.status();
      assert.equal(s.documents, 40);
      assert.equal(s.counts.failed, 0);
    }
    a.write('notes/n12.md', note(12, ' The pangolin escalation.'));
    await la.index({ paths: ['notes/n12.md'] });
    assert.deepEqual(await paths(lb, 'pangolin'), ['notes/n12.md']);
    // The team's index holds the last write, whoever made it.
    const mine = await lb.getDocument('notes/n12.md');
    assert.match(mine?.text ?? '', /pangolin/);
    await la.close();
    await lb.close();
  });

  it('a bad password: a clear message, the local index works, and the password is in no log or status', { timeout: 60_000 }, async () => {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`CREATE ROLE alice LOGIN SUPERUSER PASSWORD 'right-horse-battery'`);
    const hba = path.join(cluster.dir, 'data', 'pg_hba.conf');
    const fs = await import('node:fs');
    fs.writeFileSync(hba, `host all alice 127.0.0.1/32 scram-sha-256\n${fs.readFileSync(hba, 'utf8')}`);
    await admin.query('SELECT pg_reload_conf()');
    await admin.end();
    const secret = 'wrong-secret-4711';
    const u = new URL(db.url);
    u.username = 'alice';
    u.password = secret;
    const ws = workspace(files(3));
    const before = logs.length;
    const lore = await ws.open({ backend: 'postgres', postgres: { url: u.toString(), project: 'pw' }, logger });
    const s = await lore.status();
    assert.equal(s.team?.using, 'sqlite');
    assert.match(s.team?.reason ?? '', /password authentication failed for user "alice"/);
    await lore.index();
    assert.equal((await lore.status()).documents, 3);
    const shown = JSON.stringify(s) + logs.slice(before).join('\n');
    assert.ok(!shown.includes(secret), shown);
    assert.match(s.team?.server ?? '', /^postgres:\/\/alice:\*\*\*@127\.0\.0\.1/);
    // The password given apart from the URL (the environment or the editor's secret storage) is used the same way.
    await lore.close();
    const ok = await ws.open({ backend: 'postgres', postgres: { url: new URL(db.url).toString().replace('lore@', 'alice@'), password: 'right-horse-battery', project: 'pw' }, logger });
    assert.equal((await ok.status()).team?.state, 'connected');
    await ok.close();
  });

  it('the CLI: `lore index --database-url` fills the team index, `lore status` says which index answers and why', { timeout: 60_000 }, async () => {
    const ws = workspace(files(5));
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, { out: (x) => out.push(x), err: (x) => err.push(x), isTTY: false });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const team = ['--database-url', db.url, '--project', 'cli', '--embed-provider', 'none'];
    assert.equal((await run('index', ws.root, ...team)).code, 0);
    let st = await run('status', '--dir', ws.root, ...team);
    assert.equal(st.code, 0, st.err);
    assert.match(st.out, /^Team: {6}postgres:\/\/lore@127\.0\.0\.1:\d+\/lore_test_\w+ \(project cli\): connected \(\d+ ms, PostgreSQL 15\.\d+, no pgvector \(keyword search only\)\)$/m);
    assert.match(st.out, /^Documents: 5 /m);
    const found = await run('search', 'widget3', '--dir', ws.root, '--json', ...team);
    assert.equal(JSON.parse(found.out).results[0].path, 'notes/n3.md');
    cluster.pause();
    st = await run('status', '--dir', ws.root, ...team);
    assert.equal(st.code, 0, st.err);
    assert.match(st.out, /^Team: {6}team index unreachable: PostgreSQL at .* is not answering \(connection refused\).* — working on the local index at .*index\.db/m);
    cluster.resume();
    assert.equal((await run('status', '--backend', 'nosql')).code, 2);
  });

  it('a pool of two answers fifty searches at once, while a pass writes', { timeout: 60_000 }, async () => {
    const ws = workspace(files(40));
    const lore = await open(ws, 'pool', {});
    await lore.index();
    await lore.close();
    const small = await ws.open({ backend: 'postgres', postgres: { url: db.url, project: 'pool', max: 2, min: 0 }, logger });
    for (const [rel, text] of Object.entries(files(20, 40))) ws.write(rel, text);
    const searches = Array.from({ length: 50 }, (_, i) => small.search(`widget${i % 40}`));
    const [results] = await Promise.all([Promise.all(searches), small.index()]);
    results.forEach((r, i) => assert.equal(r.results[0]?.path, `notes/n${i % 40}.md`));
    assert.equal((await small.status()).documents, 60);
    assert.equal((await small.status()).team?.state, 'connected');
    await small.close();
  });
});

describe('the backend factory', () => {
  it('auto without a server is the local SQLite index; postgres without a URL says how to give one', async () => {
    const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
    const saved = process.env.LORE_DATABASE_URL;
    delete process.env.LORE_DATABASE_URL;
    try {
      const s = await openStorage({ dbPath: ws.dbPath, backend: 'auto' });
      assert.equal(s.shared, undefined);
      assert.equal(s.location, ws.dbPath);
      await s.close();
      await assert.rejects(openStorage({ dbPath: ws.dbPath, backend: 'postgres' }), /needs a database URL: set LORE_DATABASE_URL, pass --database-url/);
      const lore = await ws.open({ backend: 'auto' });
      assert.equal((await lore.status()).team, undefined);
      await lore.close();
    } finally {
      if (saved !== undefined) process.env.LORE_DATABASE_URL = saved;
      ws.cleanup();
    }
  });
});
