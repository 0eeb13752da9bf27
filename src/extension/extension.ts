// The VS Code extension: activation only registers things (cheap); the indexes open right after.
import path from 'node:path';
import * as vscode from 'vscode';
import { registerChat } from './chat/participant';
import { applyEmbedderSettings, registerEmbeddingCommands } from './commands/embedding';
import { registerIndexCommands } from './commands/indexing';
import { registerSearchCommands } from './commands/search';
import { registerSessionCommands } from './commands/sessions';
import { registerMemoryCommands } from './commands/memory';
import { registerConsolidateCommands } from './commands/consolidate';
import { readConfig, setModelDir } from './config';
import { registerModelCommands } from './commands/model';
import type { Ctx } from './context';
import { registerDiagnostics } from './diagnostics';
import { WindowHistory } from './history';
import { afterOpen, onConfigChange, onFoldersChange, resetOpenErrorShown, showOpenError } from './lifecycle';
import { LoreWorkspace } from './lores';
import { registerMcpServers } from './mcp';
import { registerTeamCommands } from './commands/team';
import { loadSecrets, registerApiKey, registerTeamPassword } from './secrets';
import { LoreStatusBar } from './statusBar';
import { registerTools } from './tools/tools';
import { partialResults, SearchTreeProvider } from './views/searchTree';
import { SessionsTreeProvider } from './views/sessionsTree';
import { MemoryTreeProvider } from './views/memoryTree';
import { StatusTreeProvider } from './views/statusTree';
import { registerRelatedView, type RelatedTreeProvider } from './views/relatedTree';

/** Disposables released once, in reverse order of registration; async ones (closing indexes) awaited. */
class DisposableStore {
  private items: { dispose(): unknown }[] = [];
  private done: Promise<void> | undefined;
  add<T extends { dispose(): unknown }>(d: T): T {
    this.items.push(d);
    return d;
  }
  dispose(): Promise<void> {
    this.done ??= (async () => {
      for (const d of this.items.splice(0).reverse()) {
        try {
          await d.dispose();
        } catch {
          /* keep releasing the rest */
        }
      }
    })();
    return this.done;
  }
}

/** What activate() returns: for integration tests and other extensions; not needed by users. */
export interface LoreExtensionApi {
  access: LoreWorkspace;
  history: WindowHistory;
  trees: { search: SearchTreeProvider; sessions: SessionsTreeProvider; memories: MemoryTreeProvider; status: StatusTreeProvider; related: RelatedTreeProvider };
  statusBar: LoreStatusBar;
  /** How long activate() took (ms): it only registers things. */
  activationMs: number;
}

let store: DisposableStore | undefined;

export function activate(context: vscode.ExtensionContext): LoreExtensionApi {
  const t0 = performance.now();
  store = new DisposableStore();
  const s = store;
  context.subscriptions.push({ dispose: () => void s.dispose() }); // released once, whichever comes first
  resetOpenErrorShown();
  const output = s.add(vscode.window.createOutputChannel('Lore', { log: true }));
  const log = (line: string) => output.info(line);
  // Workspace storage: per workspace, outside the user's repository (global storage when no workspace is open).
  const storageDir = (context.storageUri ?? context.globalStorageUri).fsPath;
  // The built-in embedding model: downloaded once per machine, for every workspace.
  setModelDir(path.join(context.globalStorageUri.fsPath, 'models'));

  let ctx: Ctx | undefined;
  const access = new LoreWorkspace({
    storageDir,
    log,
    onOpened: (folder, lore, fresh) => ctx && void afterOpen(ctx, folder, lore, fresh),
    onOpenError: showOpenError,
    onRepaired: (folder, r) =>
      void vscode.window.showWarningMessage(
        `Lore: the index of ${folder.name} was damaged (${r.reason}). It was set aside as ${path.basename(r.movedTo)} and is being rebuilt from the markdown; session history is untouched.`,
      ),
  });
  s.add(access);
  s.add(registerDiagnostics(access));
  const history = new WindowHistory(access, vscode.workspace.name ?? 'Workspace', log);
  const searchTree = s.add(new SearchTreeProvider());
  const sessionsTree = s.add(new SessionsTreeProvider(access));
  const memoryTree = s.add(new MemoryTreeProvider(access));
  const statusTree = s.add(new StatusTreeProvider(access));
  const statusBar = s.add(new LoreStatusBar(access));

  const searchView = s.add(vscode.window.createTreeView('lore.search', { treeDataProvider: searchTree, showCollapseAll: true }));
  const sessionsView = s.add(vscode.window.createTreeView('lore.sessions', { treeDataProvider: sessionsTree, showCollapseAll: true }));
  const memoriesView = s.add(vscode.window.createTreeView('lore.memories', { treeDataProvider: memoryTree, showCollapseAll: true }));
  const statusView = s.add(vscode.window.createTreeView('lore.status', { treeDataProvider: statusTree }));
  // The Related view follows the active markdown editor on its own (views/relatedTree.ts).
  const related = registerRelatedView(access, log);
  for (const d of related.disposables) s.add(d);

  const refresh = () => {
    if (statusView.visible) statusTree.refresh();
    if (sessionsView.visible) sessionsTree.refresh();
    if (memoriesView.visible) memoryTree.refresh();
    return statusBar.update();
  };
  ctx = {
    extension: context,
    access,
    history,
    searchTree,
    searchMode: undefined,
    config: () => readConfig(),
    log,
    refresh,
  };
  const c = ctx;

  s.add(access.onDidChange(refresh));
  s.add(access.onDidChangeSessions(() => sessionsTree.refresh()));
  s.add(statusView.onDidChangeVisibility((e) => e.visible && statusTree.refresh()));
  s.add(sessionsView.onDidChangeVisibility((e) => e.visible && sessionsTree.refresh()));
  s.add(access.onDidChangeMemory(() => memoryTree.refresh()));
  // Written elsewhere too (the CLI, an MCP client): read again whenever the view is shown.
  s.add(memoriesView.onDidChangeVisibility((e) => e.visible && memoryTree.refresh()));
  s.add(searchTree.onDidChangeTreeData(() => {
    const r = searchTree.last;
    const notes = [r?.partial && partialResults(r.partial), r?.fallbackReason && `Keyword results: ${r.fallbackReason}`].filter(Boolean);
    searchView.message = notes.length ? notes.join(' · ') : undefined;
  }));

  for (const d of [...registerSearchCommands(c), ...registerIndexCommands(c), ...registerEmbeddingCommands(c), ...registerModelCommands(c), ...registerSessionCommands(c, sessionsTree), ...registerMemoryCommands(c), ...registerConsolidateCommands(c), ...registerTeamCommands(c),
    vscode.commands.registerCommand('lore.memory.refresh', () => memoryTree.refresh())]) s.add(d);
  for (const d of registerApiKey(context.secrets, () => applyEmbedderSettings(c))) s.add(d);
  for (const d of registerTeamPassword(context.secrets, () => c.access.reopenAll())) s.add(d);
  s.add(onConfigChange(c));
  s.add(onFoldersChange(c));
  void vscode.commands.executeCommand('setContext', 'lore.paused', false);

  // Chat participant and language-model tools (each a no-op where this VS Code lacks the API).
  for (const register of [registerChat, registerTools]) {
    try {
      s.add(register(context, access));
    } catch (err) {
      log(`cannot register ${register.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // Agent mode sees each folder's index as an MCP server (VS Code 1.101+; feature-detected).
  s.add(registerMcpServers(context, access, log));

  // After activation: open (creating on first run) one index per folder, then index and watch.
  const opening = setTimeout(() => void loadSecrets(context.secrets).finally(() => access.openFolders(vscode.workspace.workspaceFolders ?? [])), 0);
  s.add({ dispose: () => clearTimeout(opening) });

  const activationMs = performance.now() - t0;
  log(`activated in ${activationMs.toFixed(1)} ms`);
  return { access, history, trees: { search: searchTree, sessions: sessionsTree, memories: memoryTree, status: statusTree, related: related.provider }, statusBar, activationMs };
}

export function deactivate(): Promise<void> | undefined {
  const s = store;
  store = undefined;
  return s?.dispose();
}
