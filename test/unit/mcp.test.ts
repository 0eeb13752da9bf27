import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { openDatabase } from '../../src/core/storage/sqlite/open';
import type { Lore } from '../../src/core/service';
import { mcpLaunch } from '../../src/mcp/launch';
import { eventually, tempWorkspace, type TempWorkspace } from './helpers';

const REPO = path.resolve(__dirname, '..', '..');
const SERVER = ['--import', 'tsx', path.join(REPO, 'src', 'mcp', 'main.ts')];
const ENV = { ...(process.env as Record<string, string>), LORE_EMBED_PROVIDER: 'none' };

const FILES = {
  'docs/adr/0001-storage.md': '---\ntype: adr\n---\n# Use SQLite for storage\n\n## Decision\n\nWe keep the index in one SQLite file with WAL so readers never block the writer.\n',
  'docs/design/search.md': '# Search design\n\n## Ranking\n\nKeyword search ranks with BM25; titles weigh more than body text.\n\n## Snippets\n\nSnippets are cut around the matched words.\n',
  // Two links: to the ADR's heading through its built page's name, and to a plan that does not exist.
  'notes/my notes.md': '# Meeting notes\n\nWe talked about the rollout plan and the SQLite upgrade.\nSee [the decision](../docs/adr/0001-storage.html#decision) and [the old plan](plan.md).\n',
};

type Text = { type: string; text: string };
const textOf = (r: unknown) => (((r as { content?: Text[] }).content ?? []) as Text[]).map((c) => c.text).join('\n');

async function connect(args: string[], cwd = REPO): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...SERVER, ...args], env: ENV, cwd, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const client = new Client({ name: 'lore-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => err };
}

describe('MCP server on an index another process writes (read-only)', () => {
  let ws: TempWorkspace;
  let writer: Lore;
  let client: Client;
  let stderr: () => string;

  before(async () => {
    ws = tempWorkspace(FILES);
    writer = await ws.open();
    await writer.index();
    const s = (await writer.sessions.create({ title: 'Storage questions' }));
    await writer.sessions.record(s.id, 'search', { query: 'wal readers', mode: 'keyword', k: 10, resultCount: 1 });
    await writer.sessions.record(s.id, 'open', { path: 'docs/adr/0001-storage.md', line: 4, title: 'Use SQLite for storage' });
    ({ client, stderr } = await connect(['--db', ws.dbPath]));
  });

  after(async () => {
    await client?.close();
    await writer?.close();
    ws?.cleanup();
  });

  test('lists its tools with input schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['get_document', 'list_memories', 'list_sessions', 'recall', 'related', 'search', 'status'], 'read-only: no remember or forget');
    const related = tools.find((t) => t.name === 'related')!;
    assert.deepEqual(Object.keys(related.inputSchema.properties ?? {}).sort(), ['limit', 'line', 'path']);
    assert.deepEqual(related.inputSchema.required, ['path']);
    const search = tools.find((t) => t.name === 'search')!;
    assert.deepEqual(Object.keys(search.inputSchema.properties ?? {}).sort(), ['document_type', 'from_path', 'k', 'max_chars', 'mode', 'path_glob', 'query']);
    assert.deepEqual(search.inputSchema.required, ['query']);
    assert.match(stderr(), /serving .* \(read-only\)/);
  });

  test('search returns passages with file, lines, heading path, score and stale flag', async () => {
    const r = await client.callTool({ name: 'search', arguments: { query: 'readers block writer', k: 3 } });
    assert.ok(!r.isError, textOf(r));
    const s = r.structuredContent as { mode: string; results: { path: string; startLine: number; endLine: number; headingPath: string; score: number; stale: boolean; text: string; truncated: boolean }[] };
    assert.equal(s.mode, 'keyword');
    const top = s.results[0];
    assert.equal(top.path, 'docs/adr/0001-storage.md');
    assert.equal(top.stale, false);
    assert.equal(top.truncated, false);
    assert.equal(String(top.score), String(Math.round(top.score * 1000) / 1000), 'scores to three decimals');
    assert.ok(top.startLine >= 4 && top.endLine >= top.startLine);
    assert.match(top.headingPath, /Use SQLite for storage/);
    assert.match(top.text, /readers never block the writer/);
    assert.match(textOf(r), /\[1\] docs\/adr\/0001-storage\.md:\d+-\d+: Use SQLite for storage/);
    // No embedder here: semantic is asked for, keyword is used, and the answer says why.
    const sem = await client.callTool({ name: 'search', arguments: { query: 'readers block writer', mode: 'semantic' } });
    const ss = sem.structuredContent as { mode: string; requestedMode: string; fallbackReason?: string; results: unknown[] };
    assert.deepEqual([ss.mode, ss.requestedMode], ['keyword', 'semantic']);
    assert.ok(ss.fallbackReason && ss.results.length > 0);
    assert.match(textOf(sem), /\(keyword search; .+\)/);
  });

  test('search from_path: a document the one being read links to scores slightly higher (x1.05)', async () => {
    type Results = { results: { path: string; score: number }[] };
    const score = async (args: Record<string, unknown>) => {
      const r = await client.callTool({ name: 'search', arguments: { query: 'sqlite wal', k: 5, ...args } });
      assert.ok(!r.isError, textOf(r));
      return (r.structuredContent as Results).results.find((x) => x.path === 'docs/adr/0001-storage.md')!.score;
    };
    const plain = await score({});
    const linked = await score({ from_path: 'notes/my notes.md' }); // links to the ADR's #decision
    assert.ok(Math.abs(linked / plain - 1.05) < 0.01, `${linked} vs ${plain}`);
    assert.equal(await score({ from_path: 'docs/design/search.md' }), plain, 'a document that does not link to it');
  });

  test('search filters by document type and path glob, and keeps to the text budget', async () => {
    const adr = await client.callTool({ name: 'search', arguments: { query: 'sqlite', document_type: 'adr' } });
    assert.deepEqual((adr.structuredContent as { results: { path: string }[] }).results.map((x) => x.path), ['docs/adr/0001-storage.md']);
    const notes = await client.callTool({ name: 'search', arguments: { query: 'sqlite', path_glob: 'notes/**' } });
    assert.deepEqual((notes.structuredContent as { results: { path: string }[] }).results.map((x) => x.path), ['notes/my notes.md']);
    const small = await client.callTool({ name: 'search', arguments: { query: 'sqlite OR search OR snippets', k: 10, max_chars: 200 } });
    const sc = small.structuredContent as { results: { text: string }[]; omitted: number };
    assert.ok(sc.results.reduce((n, x) => n + x.text.length, 0) <= 200 + 160);
    const none = await client.callTool({ name: 'search', arguments: { query: 'xylophone' } });
    assert.ok(!none.isError);
    assert.match(textOf(none), /No indexed passage matches "xylophone"/);
  });

  test('get_document returns the whole text or a line range, and says when a path is unknown', async () => {
    const whole = await client.callTool({ name: 'get_document', arguments: { path: 'docs/design/search.md' } });
    assert.match(textOf(whole), /Search design \(docs\/design\/search\.md, lines 1-9 of 9/);
    assert.match(textOf(whole), /## Snippets\n\nSnippets are cut around the matched words\./);
    const part = await client.callTool({ name: 'get_document', arguments: { path: 'docs/design/search.md', start_line: 3, end_line: 5 } });
    assert.deepEqual([(part.structuredContent as { startLine: number }).startLine, (part.structuredContent as { endLine: number }).endLine], [3, 5]);
    assert.ok(textOf(part).endsWith('## Ranking\n\nKeyword search ranks with BM25; titles weigh more than body text.'));
    const missing = await client.callTool({ name: 'get_document', arguments: { path: 'docs/nope.md' } });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /"docs\/nope\.md" is not in the index/);
  });

  test('related: similar passages by keywords, the links to a document with the linking line, and its links out', async () => {
    const r = await client.callTool({ name: 'related', arguments: { path: 'docs/adr/0001-storage.md', line: 8 } });
    assert.ok(!r.isError, textOf(r));
    const text = textOf(r);
    assert.match(text, /^Related to docs\/adr\/0001-storage\.md — Use SQLite for storage, section "Use SQLite for storage > Decision" \(lines 6-8\)\. Cite passages as path:lines; get_document reads one whole\./);
    assert.match(text, /\nSimilar passages in other documents, by keywords: [^\n]*\bsqlite\b[^\n]* \(why: semantic search is not available/);
    assert.match(text, /\n\[1\] notes\/my notes\.md:1-4 — Meeting notes > Meeting notes \(score \d+\.\d{3}\)\n {4}# Meeting notes We talked about/);
    assert.match(text, /\nLinks to this document \(1\):\n- notes\/my notes\.md:4 — Meeting notes \(to #decision\): See \[the decision\]\(\.\.\/docs\/adr\/0001-storage\.html#decision\) and \[the old plan\]\(plan\.md\)\.\n/);
    assert.match(text, /\nLinks from this document \(0\):\n\(none\)$/);
    const s = r.structuredContent as { path: string; similar: { method: string; terms: string[]; passages: { path: string }[] }; linksTo: { path: string; line: number; context: string }[] };
    assert.equal(s.path, 'docs/adr/0001-storage.md');
    assert.equal(s.similar.method, 'keyword');
    assert.ok(s.similar.terms.includes('sqlite'));
    assert.ok(!s.similar.passages.some((p) => p.path === s.path), 'not similar to itself');
    assert.deepEqual(s.linksTo.map((l) => [l.path, l.line]), [['notes/my notes.md', 4]]);

    const out = await client.callTool({ name: 'related', arguments: { path: 'notes/my notes.md', limit: 1 } });
    assert.match(textOf(out), /\nLinks from this document \(2\):\n- line 4 -> docs\/adr\/0001-storage\.md:6 \(Use SQLite for storage\): "the decision"\n- line 4 -> plan\.md \[broken: reaches nothing\]: "the old plan"/);
    const so = out.structuredContent as { similar: { passages: unknown[] }; linksFrom: { state: string; targetLine?: number }[] };
    assert.ok(so.similar.passages.length <= 1);
    assert.deepEqual(so.linksFrom.map((l) => [l.state, l.targetLine]), [['document', 6], ['broken', undefined]]);
    const missing = await client.callTool({ name: 'related', arguments: { path: 'docs/nope.md' } });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /"docs\/nope\.md" is not in the index/);
  });

  test('list_sessions shows recent sessions and finds past events by text', async () => {
    const recent = await client.callTool({ name: 'list_sessions', arguments: {} });
    assert.match(textOf(recent), /Storage questions \[active\].*2 event\(s\)/);
    assert.match(textOf(recent), /searched "wal readers"/);
    const found = await client.callTool({ name: 'list_sessions', arguments: { query: 'wal' } });
    assert.match(textOf(found), /1 event\(s\) in session history match "wal"/);
    const hostile = await client.callTool({ name: 'list_sessions', arguments: { query: '") OR 1=1 -- NEAR(*' } });
    assert.ok(!hostile.isError, textOf(hostile));
  });

  test('status says what the index holds and that it is read-only here', async () => {
    const r = await client.callTool({ name: 'status', arguments: {} });
    assert.match(textOf(r), /documents: 3 \(synced 3, pending 0, stale 0, failed 0\)/);
    assert.match(textOf(r), /read-only here/);
    assert.match(textOf(r), /\nbroken links: 1 \(/);
    assert.equal((r.structuredContent as { brokenLinks: number }).brokenLinks, 1);
    assert.equal((r.structuredContent as { readonly: boolean }).readonly, true);
  });

  test('documents are resources: listed and read by lore://doc/<path>', async () => {
    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((r) => r.uri).sort(), ['lore://doc/docs/adr/0001-storage.md', 'lore://doc/docs/design/search.md', 'lore://doc/notes/my%20notes.md']);
    const read = await client.readResource({ uri: 'lore://doc/notes/my%20notes.md' });
    assert.match((read.contents[0] as { text: string }).text, /^# Meeting notes\n\nWe talked about the rollout plan/);
    await assert.rejects(client.readResource({ uri: 'lore://doc/docs/missing.md' }), /No indexed document at "docs\/missing\.md"/);
  });

  test('bad arguments come back as errors with a message, and the server keeps serving', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['search', { query: '' }, /query must not be empty/],
      ['search', {}, /query/i],
      ['search', { query: 'x', k: 'ten' }, /Input validation error.*k/s],
      ['search', { query: 'x', k: 5000 }, /k/],
      ['search', { query: 'x', mode: 'psychic' }, /mode/],
      ['search', { query: 'sqlite', path_glob: '[' }, /glob/i],
      ['get_document', { path: 'docs/design/search.md', start_line: 9, end_line: 2 }, /ends before it starts/],
      ['get_document', { path: 7 }, /path/],
      ['get_document', { path: '../../../etc/passwd' }, /not in the index/], // only indexed text is ever returned
      ['list_sessions', { limit: -1 }, /limit/],
      ['related', { path: '' }, /path must not be empty/],
      ['related', { path: 'docs/adr/0001-storage.md', line: 0 }, /line/],
      ['related', { path: 'docs/adr/0001-storage.md', limit: 500 }, /limit/],
      ['no_such_tool', {}, /no_such_tool not found/],
    ];
    for (const [name, args, message] of cases) {
      let text: string;
      try {
        const r = await client.callTool({ name, arguments: args });
        assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail`);
        text = textOf(r);
      } catch (err) {
        text = (err as Error).message; // a JSON-RPC error is fine too, as long as it says why
      }
      assert.match(text, message, `${name} ${JSON.stringify(args)}`);
    }
    const ok = await client.callTool({ name: 'search', arguments: { query: 'bm25' } });
    assert.equal((ok.structuredContent as { results: { path: string }[] }).results[0].path, 'docs/design/search.md');
    assert.doesNotMatch(stderr(), /TypeError|ReferenceError|at .*\.ts:\d+/);
  });

  test('sees what the writer indexes while it runs (WAL: neither blocks the other)', async () => {
    ws.write('docs/adr/0002-mcp.md', '# Serve MCP over stdio\n\nAssistants reach the index through a zanzibar transport.\n');
    await writer.index();
    const r = await client.callTool({ name: 'search', arguments: { query: 'zanzibar' } });
    assert.equal((r.structuredContent as { results: { path: string }[] }).results[0]?.path, 'docs/adr/0002-mcp.md');
    const { resources } = await client.listResources();
    assert.ok(resources.some((x) => x.uri === 'lore://doc/docs/adr/0002-mcp.md'));
    await writer.sessions.record('later', 'search', { query: 'written while serving' });
    assert.match(textOf(await client.callTool({ name: 'list_sessions', arguments: { query: 'serving' } })), /written while serving/);
  });
});

describe('MCP server on a folder with no index yet', () => {
  test('creates the index, indexes, watches, and records its tool calls', async () => {
    const ws = tempWorkspace({ 'a.md': '# Alpha\n\nThe aardvark document.\n' });
    const dbPath = path.join(path.dirname(ws.root), 'own.db');
    const { client, stderr } = await connect([ws.root, '--db', dbPath]);
    try {
      await eventually(async () => {
        const r = await client.callTool({ name: 'search', arguments: { query: 'aardvark' } });
        return (r.structuredContent as { results: unknown[] }).results.length === 1;
      }, 'the folder indexed by the server', 30000);
      await eventually(() => /watching /.test(stderr()), 'the server watching the folder', 30000);
      ws.write('b.md', '# Beta\n\nA bandicoot appears.\n');
      await eventually(async () => {
        const r = await client.callTool({ name: 'search', arguments: { query: 'bandicoot' } });
        return (r.structuredContent as { results: { path: string }[] }).results[0]?.path === 'b.md';
      }, 'a new file picked up by the watcher', 30000);
      const sessions = await client.callTool({ name: 'list_sessions', arguments: { query: 'bandicoot' } });
      assert.match(textOf(sessions), /MCP: lore-test/);
      assert.match(textOf(await client.callTool({ name: 'status', arguments: {} })), /read-write[\s\S]*watching for changes: yes/);
    } finally {
      await client.close();
      ws.cleanup();
    }
  });

  test('a missing index or bad option is a message on stderr and an exit code, never protocol noise', async () => {
    const ws = tempWorkspace();
    try {
      const missing = spawnSync(process.execPath, [...SERVER, '--db', path.join(ws.root, 'none.db')], { cwd: REPO, env: ENV, input: '', encoding: 'utf8' });
      assert.equal(missing.status, 3);
      assert.equal(missing.stdout, '');
      assert.match(missing.stderr, /No Lore index at .*none\.db/);
      const bad = spawnSync(process.execPath, [...SERVER, '--frobnicate'], { cwd: REPO, env: ENV, input: '', encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.equal(bad.stdout, '');
      assert.match(bad.stderr, /frobnicate/);
      assert.equal(fs.existsSync(path.join(ws.root, 'none.db')), false);
      const noIndex = spawnSync(process.execPath, [...SERVER, ws.root, '--readonly'], { cwd: REPO, env: ENV, input: '', encoding: 'utf8' });
      assert.equal(noIndex.status, 3);
      assert.match(noIndex.stderr, /No Lore index for .* to read \(--readonly\)/);
      const both = spawnSync(process.execPath, [...SERVER, ws.root, '--readonly', '--watch'], { cwd: REPO, env: ENV, input: '', encoding: 'utf8' });
      assert.equal(both.status, 2);
      assert.equal(fs.existsSync(path.join(ws.root, '.lore')), false, 'nothing written into the folder');
      // An index an older Lore left (schema 2) is not changed by a reader: it says how to upgrade it.
      const oldDb = path.join(path.dirname(ws.root), 'old.db');
      openDatabase(oldDb, { schemaUpTo: 2 }).db.close();
      const old = spawnSync(process.execPath, [...SERVER, '--db', oldDb], { cwd: REPO, env: ENV, input: '', encoding: 'utf8' });
      assert.equal(old.status, 3);
      assert.match(old.stderr, /is at schema 2; open it once read-write to upgrade it/);
    } finally {
      ws.cleanup();
    }
  });

  test('the built bundle (dist/mcp.js) and `lore mcp` serve it too', { skip: !fs.existsSync(path.join(REPO, 'dist', 'mcp.js')) && 'not built (npm run build)' }, async () => {
    const ws = tempWorkspace(FILES);
    try {
      const writer = await ws.open();
      await writer.index();
      for (const args of [[path.join(REPO, 'dist', 'mcp.js'), '--db', ws.dbPath], [path.join(REPO, 'bin', 'lore.js'), 'mcp', '--db', ws.dbPath]]) {
        const transport = new StdioClientTransport({ command: process.execPath, args, env: ENV, cwd: ws.root, stderr: 'pipe' });
        const client = new Client({ name: 'bundle-test', version: '1.0.0' });
        await client.connect(transport);
        try {
          assert.equal((await client.listTools()).tools.length, 7, 'read-only: search, get_document, related, list_sessions, status, recall, list_memories');
          const r = await client.callTool({ name: 'search', arguments: { query: 'bm25' } });
          assert.equal((r.structuredContent as { results: { path: string }[] }).results[0]?.path, 'docs/design/search.md', args.join(' '));
        } finally {
          await client.close();
        }
      }
    } finally {
      ws.cleanup();
    }
  });
});

test('mcpLaunch describes a server that runs: the extension can register it as is', { skip: !fs.existsSync(path.join(REPO, 'dist', 'mcp.js')) && 'not built (npm run build)' }, async () => {
  const ws = tempWorkspace(FILES);
  try {
    const writer = await ws.open();
    await writer.index();
    const launch = mcpLaunch({ extensionPath: REPO, dbPath: ws.dbPath, folderName: 'ws', env: { LORE_EMBED_PROVIDER: 'none', UNSET: undefined } });
    assert.equal(launch.label, 'Lore: ws');
    assert.deepEqual(launch.env, { ELECTRON_RUN_AS_NODE: '1', LORE_EMBED_PROVIDER: 'none' });
    const transport = new StdioClientTransport({ command: launch.command, args: launch.args, env: { ...ENV, ...launch.env }, stderr: 'pipe' });
    const client = new Client({ name: 'launch-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const r = await client.callTool({ name: 'get_document', arguments: { path: 'notes/my notes.md' } });
      assert.match(textOf(r), /Meeting notes/);
    } finally {
      await client.close();
    }
  } finally {
    ws.cleanup();
  }
});

test('read-only beside `lore watch` in another process: what the watcher writes shows up in MCP answers', async () => {
  const ws = tempWorkspace(FILES);
  const watcher = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli', 'main.ts'), 'watch', ws.root, '--db', ws.dbPath], { cwd: REPO, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  watcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let client: Client | undefined;
  try {
    await eventually(() => /Watching /.test(out), 'lore watch to index and start watching', 30000);
    ({ client } = await connect(['--db', ws.dbPath]));
    const c = client;
    ws.write('docs/plan/rollout.md', '# Rollout plan\n\nShip the quokka release in three waves.\n');
    await eventually(async () => {
      const r = await c.callTool({ name: 'search', arguments: { query: 'quokka waves' } });
      return (r.structuredContent as { results: { path: string }[] }).results[0]?.path === 'docs/plan/rollout.md';
    }, 'the file the watcher indexed, found through MCP', 30000);
    ws.remove('notes/my notes.md');
    await eventually(async () => {
      const r = await c.callTool({ name: 'get_document', arguments: { path: 'notes/my notes.md' } });
      return r.isError === true;
    }, 'a deleted file gone from MCP', 30000);
  } finally {
    await client?.close();
    watcher.kill('SIGINT');
    await new Promise((r) => watcher.once('exit', r));
    ws.cleanup();
  }
});

