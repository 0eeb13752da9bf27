/**
 * How a host starts Lore's MCP server for one index. The VS Code extension registers this with
 * `vscode.lm.registerMcpServerDefinitionProvider` (1.101+, feature-detected) as a
 * `McpStdioServerDefinition(label, command, args, env)`. Inside VS Code the server runs on the
 * editor's own runtime (ELECTRON_RUN_AS_NODE), so it loads the same native modules as the extension.
 */
import path from 'node:path';

export interface McpLaunch {
  label: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function mcpLaunch(opts: {
  /** The folder holding dist/mcp.js (the extension's install folder, or this checkout). */
  extensionPath: string;
  /** The index to serve, read-only (the extension keeps writing it). */
  dbPath: string;
  /** Shown in the client's server list, e.g. the workspace folder's name. */
  folderName: string;
  /** The runtime: process.execPath in the extension host (Electron), or a Node binary. */
  runtime?: string;
  /** Embedder environment for semantic search (OLLAMA_HOST, LORE_EMBED_MODEL...). */
  env?: Record<string, string | undefined>;
}): McpLaunch {
  const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  return {
    label: `Lore: ${opts.folderName}`,
    command: opts.runtime ?? process.execPath,
    args: [path.join(opts.extensionPath, 'dist', 'mcp.js'), '--db', opts.dbPath],
    env,
  };
}
