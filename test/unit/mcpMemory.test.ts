// Durable memory through the MCP SDK's own client, over stdio: remember, recall, forget,
// list_memories, memories in search, resources, the audit naming the client, and a read-only server.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Lore } from '../../src/core/service';
import { tempWorkspace, type TempWorkspace } from './helpers';

const REPO = path.resolve(__dirname, '..', '..');
const SERVER = ['--import', 'tsx', path.join(REPO, 'src', 'mcp', 'main.ts')];
const ENV = { ...(process.env as Record<string, string>), LORE_EMBED_PROVIDER: 'none' };
type Text = { type: string; text: string };
const textOf = (r: unknown) => (((r as { content?: Text[] }).content ?? []) as Text[]).map((c) => c.text).join('\n');

async function connect(args: string[]): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...SERVER, ...args], env: ENV, cwd: REPO, stderr: 'pipe' });
  const client = new Client({ name: 'memory-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('MCP memory tools on a writable index', () => {
  test('a writable server lists the four memory tools', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['forget', 'get_document', 'list_memories', 'list_sessions', 'recall', 'related', 'remember', 'search', 'status']);
  });

  let ws: TempWorkspace;
  let client: Client;
  before(async () => {
    ws = tempWorkspace({ 'ops/deploy.md': '# Deploy\n\nThe staging database is reset by a cron job.\n' });
    const lore = await ws.open();
    await lore.index();
    await lore.close();
    client = await connect([ws.root, '--db', ws.dbPath]);
  });
  after(async () => {
    await client?.close();
    ws?.cleanup();
  });

  test('remember, recall, list, forget; search returns the memory beside the passages; the audit names the client', async () => {
    const r = await client.callTool({ name: 'remember', arguments: { namespace: 'project:ops', key: 'staging-reset', value: 'staging is reset nightly at 02:00 UTC' } });
    assert.ok(!r.isError, textOf(r));
    assert.equal(textOf(r), 'Remembered project:ops staging-reset as version 1.');
    const v2 = await client.callTool({ name: 'remember', arguments: { namespace: 'project:ops', key: 'staging-reset', value: { when: '03:00', tz: 'UTC' }, type: 'semantic' } });
    assert.equal((v2.structuredContent as { entry: { version: number } }).entry.version, 2);
    const got = await client.callTool({ name: 'recall', arguments: { namespace: 'project:ops', key: 'staging-reset' } });
    assert.match(textOf(got), /^project:ops staging-reset \(v2, semantic, updated \S+ by mcp:memory-test\):\n\{"when":"03:00","tz":"UTC"\}$/);
    const listed = await client.callTool({ name: 'list_memories', arguments: { prefix: 'project' } });
    assert.deepEqual((listed.structuredContent as { entries: { key: string }[] }).entries.map((e) => e.key), ['staging-reset']);
    const search = await client.callTool({ name: 'search', arguments: { query: 'when is staging reset' } });
    assert.match(textOf(search), /^1 remembered fact\(s\) match .*\n- project:ops staging-reset \(v2/);
    assert.match(textOf(search), /\[1\] ops\/deploy\.md:\d+-\d+: Deploy/);
    assert.equal((search.structuredContent as { memories: { entry: { key: string } }[] }).memories[0].entry.key, 'staging-reset');
    const forgot = await client.callTool({ name: 'forget', arguments: { namespace: 'project:ops', key: 'staging-reset' } });
    assert.equal(textOf(forgot), 'Forgot project:ops staging-reset.');
    assert.equal(textOf(await client.callTool({ name: 'recall', arguments: { namespace: 'project:ops', key: 'staging-reset' } })), 'project:ops staging-reset was forgotten (version 2).');
    const lore: Lore = await ws.open({ readonly: true });
    try {
      const audit = await lore.memory.audit({ namespace: 'project:ops', key: 'staging-reset' });
      assert.deepEqual(audit.map((a) => [a.operation, a.actor]), [['delete', 'mcp:memory-test'], ['update', 'mcp:memory-test'], ['create', 'mcp:memory-test']]);
      assert.ok(audit.every((a) => a.sessionId?.startsWith('mcp')), 'each write names the connection\'s session');
    } finally {
      await lore.close();
    }
  });

  test('memories are resources: listed and read by lore://memory/<namespace>/<key>', async () => {
    await client.callTool({ name: 'remember', arguments: { namespace: 'user:prefs', key: 'tone', value: 'short answers' } });
    const { resources } = await client.listResources();
    const mem = resources.filter((r) => r.uri.startsWith('lore://memory/'));
    assert.deepEqual(mem.map((r) => r.uri), ['lore://memory/user%3Aprefs/tone']);
    const read = await client.readResource({ uri: mem[0].uri });
    assert.equal((read.contents[0] as { text: string }).text, 'short answers');
    await assert.rejects(client.readResource({ uri: 'lore://memory/user%3Aprefs/nope' }), /Nothing is remembered/);
  });

  test('bad input is a tool error with the reason; the server keeps serving', async () => {
    const bad = await client.callTool({ name: 'remember', arguments: { namespace: 'Ops', key: 'k', value: 1 } });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /is not a memory namespace/);
    const ttl = await client.callTool({ name: 'remember', arguments: { namespace: 'project:x', key: 'k', value: 1, ttl: '5h' } });
    assert.match(textOf(ttl), /Only episodic memories expire/);
    const ok = await client.callTool({ name: 'remember', arguments: { namespace: 'session:today', key: 'focus', value: 'flaky test', type: 'episodic', ttl: '5h' } });
    assert.ok(!ok.isError, textOf(ok));
    assert.match(textOf(await client.callTool({ name: 'recall', arguments: { namespace: 'session:today', key: 'focus' } })), /episodic, updated .* expires /);
  });
});

test('a read-only MCP server recalls what the writer remembered and offers no tool to write', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  const writer = await ws.open();
  await writer.index();
  await writer.memory.remember('project:a', 'fact', 'alpha is first', { by: 'alice' });
  const client = await connect(['--db', ws.dbPath]);
  try {
    assert.match(textOf(await client.callTool({ name: 'recall', arguments: { namespace: 'project:a', key: 'fact' } })), /by alice\):\nalpha is first$/);
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('recall') && names.includes('list_memories'));
    assert.ok(!names.includes('remember') && !names.includes('forget'), names.join(', '));
  } finally {
    await client.close();
    await writer.close();
    ws.cleanup();
  }
});
