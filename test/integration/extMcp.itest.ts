// The MCP server the extension publishes to agent mode: each definition starts for real (the same
// command, arguments and environment VS Code 1.101+ would run) and answers over stdio from the
// index the extension keeps writing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import * as vscode from 'vscode';
import type { LoreExtensionApi } from '../../src/extension/extension';
import { MCP_PROVIDER_ID, mcpDefinitions } from '../../src/extension/mcp';
import { loreApi } from './extApi';

describe('Lore MCP server definitions', function () {
  let api: LoreExtensionApi;
  before(async () => {
    api = await loreApi();
  });

  it('package.json declares the provider id the extension registers', async () => {
    const pkg = vscode.extensions.getExtension('lore-dev.lore')!.packageJSON;
    assert.deepEqual(pkg.contributes.mcpServerDefinitionProviders.map((p: { id: string }) => p.id), [MCP_PROVIDER_ID]);
  });

  it('one read-only server per folder index; started as defined, it lists tools and finds the fixture text', async () => {
    const ext = vscode.extensions.getExtension('lore-dev.lore')!;
    const defs = mcpDefinitions(ext.extensionPath, api.access);
    assert.equal(defs.length, vscode.workspace.workspaceFolders!.length);
    const [def] = defs;
    assert.match(def.label, /^Lore: /);
    assert.ok(fs.existsSync(def.args[0]), `the server bundle exists: ${def.args[0]}`);
    assert.ok(def.args.includes('--db') && def.args.includes(api.access.lores()[0].lore.dbPath));

    const transport = new StdioClientTransport({ command: def.command, args: def.args, env: { ...(process.env as Record<string, string>), ...def.env }, stderr: 'pipe' });
    const client = new Client({ name: 'lore-itest', version: '0' });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(tools, ['get_document', 'list_memories', 'list_sessions', 'recall', 'related', 'search', 'status'], 'read-only: memory is recalled, not written');
      const res = await client.callTool({ name: 'search', arguments: { query: 'PostgreSQL ledger', k: 3, mode: 'keyword' } });
      const text = (res.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
      assert.ok(!res.isError, text);
      assert.match(text, /\.md/, 'passages name their files');
    } finally {
      await client.close();
    }
  });
});
