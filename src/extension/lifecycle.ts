import * as vscode from 'vscode';
import type { Lore } from '../core/service';
import { errorMessage } from '../core/errors';
import { changeKinds } from './config';
import type { Ctx } from './context';
import { applyEmbedderSettings } from './commands/embedding';
import { showError, withProgress } from './progress';

/** After a folder's index opens: prune old history, bring the index up to date, then watch. */
export async function afterOpen(c: Ctx, folder: vscode.WorkspaceFolder, lore: Lore, fresh: boolean): Promise<void> {
  await pruneHistory(c);
  const cfg = c.config();
  if (c.access.isPaused) return; // Resume Indexing catches up
  const index = cfg.indexOnStartup || fresh;
  try {
    if (index) {
      // The first index of a folder is a notification with Cancel; later catch-ups show in the status bar.
      const title = fresh ? `Lore: indexing ${folder.name} for the first time…` : `Lore: updating the index of ${folder.name}…`;
      await withProgress(title, (cancelPass, report) => c.access.maintainFolder(folder, { index, cancelPass, onProgress: report }), {
        location: fresh ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
      });
    } else {
      await c.access.maintainFolder(folder, { index });
    }
    c.log(`${folder.name}: ${(await lore.status()).documents} documents indexed; watching for changes`);
  } catch (err) {
    showError(`indexing ${folder.name} failed`, err);
    c.access.startWatching(folder); // changes are still indexed as they come
  } finally {
    await c.refresh();
  }
}

export async function pruneHistory(c: Ctx): Promise<void> {
  const store = c.access.sessions();
  if (!store || store.readonly) return;
  const { retentionDays, maxSessions } = c.config().sessions;
  try {
    const n = await store.prune({ maxDays: retentionDays > 0 ? retentionDays : undefined, maxSessions: maxSessions > 0 ? maxSessions : undefined });
    if (n) c.log(`session history: pruned ${n} old session(s)`);
  } catch (err) {
    c.log(`session history: pruning failed: ${errorMessage(err)}`);
  }
}

let nativeShown = false;
/** The one message shown when an index cannot open (e.g. the native database module does not load here). */
export function showOpenError(err: Error): void {
  if (nativeShown) return;
  nativeShown = true;
  const code = (err as { code?: string }).code;
  const what = code === 'NATIVE_MODULE' ? 'Lore cannot run in this VS Code build' : 'Lore cannot open its index';
  void vscode.window.showErrorMessage(`${what}: ${err.message}`);
}
export function resetOpenErrorShown(): void {
  nativeShown = false;
}

/** Settings apply without a reload: the file filter reopens the indexes, the embedder is reconfigured. */
export function onConfigChange(c: Ctx): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(async (e) => {
    if (!e.affectsConfiguration('lore')) return;
    const kinds = changeKinds(e);
    if (kinds.filter || kinds.storage) {
      c.log(kinds.storage ? 'the storage settings changed: reopening the indexes on the backend they name' : 'include/exclude/max file size changed: reopening the indexes');
      await c.access.reopenAll();
    } else if (kinds.embedder) {
      await applyEmbedderSettings(c);
    }
    if (kinds.sessions) await pruneHistory(c);
    await c.refresh();
  });
}

/** Folders added to or removed from a multi-root workspace get or lose their index. */
export function onFoldersChange(c: Ctx): vscode.Disposable {
  return vscode.workspace.onDidChangeWorkspaceFolders(async (e) => {
    for (const f of e.removed) await c.access.closeFolder(f);
    c.access.openFolders(e.added);
    await c.refresh();
  });
}
