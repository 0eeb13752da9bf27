import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main';
import { type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';
import { tempWorkspace, type TempWorkspace } from './helpers';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('CLI with an embedder', () => {
  let fx: FixtureServer;
  let ws: TempWorkspace;
  let db: string;
  before(async () => {
    fx = await startFixtureServer();
    ws = tempWorkspace({
      'a.md': '# Alpha\n\nThe alpha service stores invoices in postgres.\n',
      'b.md': '# Bread\n\nFeed the starter with flour and water.\n',
    });
    db = path.join(path.dirname(ws.root), 'cli.db');
  });
  after(async () => {
    ws.cleanup();
    await fx.close();
  });

  it('lore index embeds when the embedder answers and says so', async () => {
    const r = await run(['index', ws.root, '--db', db, '--embed-host', fx.url]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Keyword search is ready\./);
    assert.match(r.out, /Semantic search is ready with ollama:nomic-embed-text \(768 dims\); 2 chunk\(s\) embedded, 0 from the cache/);
  });

  it('lore search --explain says why each result ranks there, in text and in --json; a bad --fusion is a usage error', async () => {
    const text = await run(['search', 'flour', 'starter', '--db', db, '--embed-host', fx.url, '--explain']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /why: keyword #1, BM25 [\d.]+: "flour" [\d.]+ \(body, idf [\d.]+\); "starter" [\d.]+ \(body, idf [\d.]+\) · semantic #1, similarity [\d.]+ · agreement fusion \(lists agree \d+%, semantic weight [\d.]+\) = [\d.]+/);
    const json = JSON.parse((await run(['search', 'flour', '--db', db, '--embed-host', fx.url, '--explain', '--json'])).out);
    assert.equal(json.results[0].explain.keyword.terms[0].term, 'flour');
    assert.equal(json.results[0].explain.fusion.method, 'agreement');
    assert.equal(JSON.parse((await run(['search', 'flour', '--db', db, '--embed-host', fx.url, '--json'])).out).results[0].explain, undefined);
    assert.equal((await run(['search', 'x', '--db', db, '--fusion', 'max'])).code, 2);
  });

  it('lore search --mode shows the mode used; a bad mode is a usage error', async () => {
    const r = await run(['search', 'flour', 'starter', '--db', db, '--embed-host', fx.url, '--mode', 'semantic']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^1\. Bread/);
    assert.match(r.out, /mode used: semantic$/);
    const hybrid = await run(['search', 'invoices', '--db', db, '--embed-host', fx.url, '--json']);
    const json = JSON.parse(hybrid.out);
    assert.equal(json.mode, 'hybrid');
    assert.equal(json.results[0].retriever, 'both');
    assert.equal((await run(['search', 'x', '--db', db, '--mode', 'fuzzy'])).code, 2);
  });

  it('lore status shows the embedder health', async () => {
    const r = await run(['status', '--db', db, '--embed-host', fx.url]);
    assert.match(r.out, /Semantic:  live, ollama:nomic-embed-text \(768 dims\)/);
    const json = JSON.parse((await run(['status', '--db', db, '--embed-host', fx.url, '--json'])).out);
    assert.equal(json.embedder.state, 'live');
    assert.equal(json.queue.pending, 0);
  });

  it('with nothing listening: keyword-only, said plainly, within seconds; search says why', async () => {
    await fx.stop();
    try {
      ws.write('c.md', '# Gamma\n\nNew invoices arrive daily.\n');
      const t0 = Date.now();
      const r = await run(['index', ws.root, '--db', db, '--embed-host', fx.url]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /Indexed keyword-only: Ollama is not running at .* 1 document\(s\) stay pending/);
      assert.ok(Date.now() - t0 < 8000);
      const s = await run(['search', 'invoices', '--db', db, '--embed-host', fx.url]);
      assert.match(s.out, /mode used: keyword, reason: .*Ollama is not running at/);
      const st = await run(['status', '--db', db, '--embed-host', fx.url]);
      assert.match(st.out, /Semantic:  degraded, .*Ollama is not running/);
      assert.match(st.out, /fix: run `ollama serve`/);
    } finally {
      await fx.start();
    }
  });

  it('lore status with the embedder back and documents still pending answers at once (it does not embed)', async () => {
    const r = await run(['status', '--db', db, '--embed-host', fx.url]);
    assert.match(r.out, /Documents: 3 \(2 synced, 1 pending/);
    assert.match(r.out, /Semantic:  live, ollama:nomic-embed-text \(768 dims\), 2\/3 documents embedded/);
    const s = await run(['search', 'invoices', '--db', db, '--embed-host', fx.url]);
    assert.match(s.out, /mode used: hybrid/);
  });

  it('--embed-provider none indexes keyword-only and says so', async () => {
    ws.write('d.md', '# Delta\n\nMore text.\n');
    const r = await run(['index', ws.root, '--db', db, '--embed-provider', 'none']);
    assert.match(r.out, /Indexed keyword-only: no embedder is configured/);
    const st = await run(['status', '--db', db, '--embed-provider', 'none']);
    assert.match(st.out, /Documents: 4 \(4 synced, 0 pending/, 'nothing is left waiting for vectors that no embedder will make');
    assert.equal((await run(['index', ws.root, '--db', db, '--embed-provider', 'bogus'])).code, 2);
  });
});
