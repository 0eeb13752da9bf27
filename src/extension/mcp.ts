// Publishes each folder's index as an MCP server to VS Code's agent mode (VS Code 1.101+), so
// agents outside the @lore participant see Lore's tools without any configuration. The API is
// feature-detected: on 1.95-1.100 this registers nothing and says so in the log.
import * as vscode from 'vscode';
import { mcpLaunch } from '../mcp/launch';
import { readConfig, type ExtensionConfig } from './config';
import type { LoreWorkspace } from './lores';

export const MCP_PROVIDER_ID = 'lore.mcpServers';

/** The parts of the 1.101 API used here (absent from @types/vscode 1.95). */
interface McpApi {
  registerMcpServerDefinitionProvider(
    id: string,
    provider: {
      onDidChangeMcpServerDefinitions?: vscode.Event<void>;
      provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[];
    },
  ): vscode.Disposable;
}
type McpStdioCtor = new (label: string, command: string, args?: string[], env?: Record<string, string>, version?: string) => unknown;

/** The environment the server reads its embedder from, mirroring the extension's settings. */
export function mcpEnv(cfg: ExtensionConfig): Record<string, string> {
  const e = cfg.embedding;
  const env: Record<string, string> = { LORE_EMBED_PROVIDER: e.provider };
  if (e.model) env.LORE_EMBED_MODEL = e.model;
  if (e.host) env.LORE_EMBED_HOST = e.host;
  env.LORE_EMBED_TIMEOUT = String(Math.ceil(e.timeout / 1000));
  return env;
}

/** The launch definitions, one per open index (read-only: the extension keeps writing it). */
export function mcpDefinitions(extensionPath: string, access: LoreWorkspace) {
  const env = mcpEnv(readConfig());
  return access.lores().map(({ folder, lore }) =>
    mcpLaunch({ extensionPath, dbPath: lore.dbPath, folderName: folder.name, env }),
  );
}

export function registerMcpServers(context: vscode.ExtensionContext, access: LoreWorkspace, log: (line: string) => void): vscode.Disposable {
  const lm = vscode.lm as unknown as Partial<McpApi>;
  const Stdio = (vscode as unknown as { McpStdioServerDefinition?: McpStdioCtor }).McpStdioServerDefinition;
  if (typeof lm.registerMcpServerDefinitionProvider !== 'function' || typeof Stdio !== 'function') {
    log(`MCP server registration needs VS Code 1.101+ (this is ${vscode.version}); use "lore mcp" from any MCP client instead`);
    return new vscode.Disposable(() => undefined);
  }
  const changed = new vscode.EventEmitter<void>();
  let key = '';
  const listen = [
    access.onDidChange(() => {
      const next = access.lores().map((l) => l.lore.dbPath).join('\n');
      if (next !== key) {
        key = next;
        changed.fire();
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('lore.embedding') && changed.fire()),
  ];
  const registration = lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () =>
      mcpDefinitions(context.extensionPath, access).map((d) => new Stdio(d.label, d.command, d.args, d.env, context.extension.packageJSON.version)),
  });
  return vscode.Disposable.from(registration, changed, ...listen);
}
