/**
 * `lore migrate`: an index moved to the team index (PGlite with pgvector, over the wire with the
 * real `pg` client) and back to SQLite, with the fixture embedder counting requests: nothing
 * already embedded is embedded again, semantic search answers on the target, session history stays.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main';
import { type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';
import { startPglite } from '../fixtures/postgres';
import { tempWorkspace, type TempWorkspace } from './helpers';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The documents' text the embedder was sent (not the embedder's one-word health check). */
const embeddedText = (fx: FixtureServer) => fx.inputs.filter((t) => !/lore preflight/.test(t));

describe('lore migrate', () => {
  let fx: FixtureServer;
  let lite: Awaited<ReturnType<typeof startPglite>>;
  let ws: TempWorkspace;
  let team: string[];
  const saved = process.env.LORE_DATABASE_POOL_MAX;
  before(async () => {
    fx = await startFixtureServer();
    lite = await startPglite();
    process.env.LORE_DATABASE_POOL_MAX = '3';
    ws = tempWorkspace({
      'a.md': '# Alpha\n\nThe alpha service stores invoices in postgres.\n\n## Backups\n\nNightly dumps go to the vault.\n',
      'b.md': '# Bread\n\nFeed the starter with flour and water.\n',
      'c.md': '# Cats\n\nThe cat sleeps on the warm laptop.\n',
    });
    team = ['--database-url', lite.url, '--project', 'migrate-test', '--embed-host', fx.url];
  });
  after(async () => {
    if (saved === undefined) delete process.env.LORE_DATABASE_POOL_MAX;
    else process.env.LORE_DATABASE_POOL_MAX = saved;
    ws.cleanup();
    await lite.stop();
    await fx.close();
  });

  it('--to postgres copies the cached vectors (no text embedded again) and the documents; semantic search answers on the server', { timeout: 120_000 }, async () => {
    const first = await run(['index', ws.root, '--backend', 'sqlite', '--embed-host', fx.url]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /4 chunk\(s\) embedded, 0 from the cache/);
    assert.ok(fx.embedRequests() > 0);
    assert.equal((await run(['memory', 'remember', 'project:ops', 'vault', 'the vault is in Frankfurt', '--dir', ws.root, '--backend', 'sqlite'])).code, 0);
    fx.reset();
    const m = await run(['migrate', '--to', 'postgres', ws.root, ...team]);
    assert.equal(m.code, 0, m.err);
    assert.match(m.out, /^Migrated .* to the team index postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres#migrate-test\.$/m);
    assert.match(m.out, /Copied 4 cached vector\(s\) of ollama:nomic-embed-text: already embedded text is not embedded again\./);
    assert.match(m.out, /Indexed 3 markdown files .*3 added/);
    assert.match(m.out, /0 chunk\(s\) embedded, 4 from the cache \(100% hit rate\)/);
    assert.match(m.out, /Session history and memory stay in .*lore-user\.db/);
    assert.deepEqual(embeddedText(fx), [], 'nothing embedded again');
    const found = await run(['search', 'the cat sleeps on the warm laptop', '--mode', 'semantic', '--json', '--dir', ws.root, ...team]);
    assert.equal(found.code, 0, found.err);
    const r = JSON.parse(found.out);
    assert.equal(r.mode, 'semantic');
    assert.equal(r.results[0].path, 'c.md');
    const st = await run(['status', '--dir', ws.root, '--json', ...team]);
    assert.equal(JSON.parse(st.out).team.using, 'postgres');
    assert.equal(JSON.parse(st.out).documents, 3);
    const recall = await run(['memory', 'recall', 'project:ops', 'vault', '--dir', ws.root, ...team]);
    assert.match(recall.out, /Frankfurt/);
  });

  it('--to sqlite brings the team index back to a local one, again without embedding', { timeout: 120_000 }, async () => {
    const db = path.join(path.dirname(ws.root), 'back.db');
    fx.reset();
    const m = await run(['migrate', '--to', 'sqlite', ws.root, '--db', db, ...team]);
    assert.equal(m.code, 0, m.err);
    assert.match(m.out, /Copied 4 cached vector\(s\) of ollama:nomic-embed-text/);
    assert.match(m.out, /0 chunk\(s\) embedded, 4 from the cache/);
    assert.deepEqual(embeddedText(fx), []);
    const r = await run(['search', 'flour', '--mode', 'semantic', '--json', '--db', db, '--embed-host', fx.url]);
    assert.equal(JSON.parse(r.out).mode, 'semantic');
  });

  it('says what it needs: --to and a database URL', async () => {
    assert.match((await run(['migrate', ws.root])).err, /takes --to postgres or --to sqlite/);
    const saved = process.env.LORE_DATABASE_URL;
    delete process.env.LORE_DATABASE_URL;
    try {
      const r = await run(['migrate', '--to', 'postgres', ws.root]);
      assert.equal(r.code, 2);
      assert.match(r.err, /needs a database URL/);
    } finally {
      if (saved !== undefined) process.env.LORE_DATABASE_URL = saved;
    }
  });
});
