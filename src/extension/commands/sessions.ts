import path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { Session } from '../../core/sessions/types';
import type { Ctx } from '../context';
import { openAt } from '../open';
import { requireReady, showError } from '../progress';
import { describeEvent, type SessionsTreeProvider } from '../views/sessionsTree';

type SessionArg = { session?: Session } | Session | string | undefined;

function sessionIdOf(arg: SessionArg): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && 'session' in arg && arg.session) return arg.session.id;
  if (arg && 'id' in arg) return arg.id;
  return undefined;
}

/** Opens a result recorded in history: the path is relative to the named folder (or the first one). */
async function openRecorded(c: Ctx, payload: Record<string, unknown>): Promise<void> {
  const rel = String(payload.path ?? '');
  const lores = c.access.lores();
  const folder = lores.find((l) => l.folder.name === payload.folder)?.folder ?? lores[0]?.folder;
  if (!folder || !rel) return;
  const line = Number(payload.line) || 1;
  try {
    await openAt(vscode.Uri.joinPath(folder.uri, ...rel.split('/')), line);
  } catch (err) {
    void vscode.window.showWarningMessage(`Lore: cannot open ${path.basename(rel)}: ${errorMessage(err)}`);
  }
}

export function registerSessionCommands(c: Ctx, tree: SessionsTreeProvider): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;
  const store = () => c.access.sessions();
  // The view refreshes on its own after a change: access.sessions() is the store that reports changes.
  return [
    // lore.openSession [id]: pick a session, then one of its events (run a search again, open a result).
    // With an id, returns { session, events } without UI.
    reg('lore.openSession', async (arg?: SessionArg) => {
      if (!requireReady(c.access)) return undefined;
      const s = store();
      if (!s) return undefined;
      let id = sessionIdOf(arg);
      if (id) {
        const session = await s.get(id);
        return session ? { session, events: await s.events(id) } : undefined;
      }
      const sessions = await s.list({ limit: 100 });
      if (sessions.length === 0) {
        void vscode.window.showInformationMessage('Lore: no session history yet. Searches are recorded here.');
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(
        sessions.map((x) => ({ label: x.title || 'Untitled session', description: `${x.eventCount} events · ${new Date(x.lastUpdateTime).toLocaleString()}`, id: x.id })),
        { title: 'Lore: Open Session', placeHolder: 'Which session?' },
      );
      if (!pick) return undefined;
      id = pick.id;
      const events = await s.events(id);
      const ev = await vscode.window.showQuickPick(
        events.map((e) => ({ label: `$(${describeEvent(e).icon}) ${describeEvent(e).label}`, description: new Date(e.time).toLocaleTimeString(), e })),
        { title: pick.label, placeHolder: 'Pick a search to run again, or a result to open' },
      );
      await vscode.commands.executeCommand('lore.sessions.focus');
      if (ev?.e.type === 'search') return vscode.commands.executeCommand('lore.rerunQuery', ev.e.payload.query);
      if (ev?.e.type === 'open') return openRecorded(c, ev.e.payload);
      return undefined;
    }),
    // lore.clearSessionHistory [confirmed]: deletes every session (asks first unless confirmed === true).
    reg('lore.clearSessionHistory', async (confirmed?: unknown) => {
      if (!requireReady(c.access)) return undefined;
      const s = store();
      if (!s) return undefined;
      if (confirmed !== true) {
        const ok = await vscode.window.showWarningMessage('Delete all Lore session history?', { modal: true }, 'Delete History');
        if (ok !== 'Delete History') return undefined;
      }
      const n = await s.clear();
      c.history.reset();
      if (confirmed !== true) void vscode.window.showInformationMessage(`Lore: deleted ${n} session(s).`);
      return n;
    }),
    // lore.backupHistory [to]: a consistent copy of session history (default: the backups folder beside it); returns its path.
    reg('lore.backupHistory', async (to?: unknown) => {
      if (!requireReady(c.access)) return undefined;
      const lore = c.access.lores()[0]?.lore;
      if (!lore) return undefined;
      try {
        const made = await lore.backup({ to: typeof to === 'string' ? to : undefined });
        if (typeof to !== 'string') {
          void vscode.window.showInformationMessage(`Lore: session history backed up to ${made.userData}`, 'Reveal').then((a) =>
            a ? vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(made.userData)) : undefined,
          );
        }
        return made.userData;
      } catch (err) {
        showError('backing up session history failed', err);
        return undefined;
      }
    }),
    // lore.restoreHistory [file]: replaces session history with a backup (asks for the file, and to confirm, unless given).
    reg('lore.restoreHistory', async (file?: unknown) => {
      if (!requireReady(c.access)) return undefined;
      const lore = c.access.lores()[0]?.lore;
      if (!lore) return undefined;
      let from = typeof file === 'string' ? file : undefined;
      if (!from) {
        const status = await lore.status();
        const picked = await vscode.window.showOpenDialog({
          title: 'Lore: Restore Session History',
          defaultUri: vscode.Uri.file(path.join(path.dirname(status.userDataPath), 'backups')),
          filters: { 'Lore history backup': ['db'] },
          canSelectMany: false,
          openLabel: 'Restore',
        });
        if (!picked?.[0]) return undefined;
        const ok = await vscode.window.showWarningMessage(`Replace session history with ${path.basename(picked[0].fsPath)}? What it holds now is backed up first.`, { modal: true }, 'Restore');
        if (ok !== 'Restore') return undefined;
        from = picked[0].fsPath;
      }
      try {
        const kept = await lore.restore(from);
        c.history.reset();
        if (typeof file !== 'string') void vscode.window.showInformationMessage(`Lore: session history restored; what it held before is kept in ${kept}.`);
        return kept;
      } catch (err) {
        showError('restoring session history failed', err);
        return undefined;
      }
    }),
    // Context menu of a session: rename [title], delete [confirmed], archive.
    reg('lore.sessions.rename', async (arg?: SessionArg, title?: unknown) => {
      const id = sessionIdOf(arg);
      const s = store();
      const session = id ? await s?.get(id) : undefined;
      if (!s || !session) return;
      const next = typeof title === 'string' ? title : await vscode.window.showInputBox({ title: 'Rename session', value: session.title, validateInput: (v) => (v.trim() ? undefined : 'A title is needed') });
      if (!next?.trim()) return;
      await s.rename(session.id, next.trim());
    }),
    reg('lore.sessions.delete', async (arg?: SessionArg, confirmed?: unknown) => {
      const id = sessionIdOf(arg);
      const s = store();
      const session = id ? await s?.get(id) : undefined;
      if (!s || !session) return;
      if (confirmed !== true) {
        const ok = await vscode.window.showWarningMessage(`Delete the session "${session.title}"?`, { modal: true }, 'Delete');
        if (ok !== 'Delete') return;
      }
      await s.delete(session.id);
      if (c.history.currentId === session.id) c.history.reset();
    }),
    reg('lore.sessions.archive', async (arg?: SessionArg) => {
      const id = sessionIdOf(arg);
      const s = store();
      if (!s || !id || !(await s.get(id))) return;
      await s.archive(id);
      if (c.history.currentId === id) c.history.reset();
    }),
    reg('lore.sessions.openEvent', (payload?: Record<string, unknown>) => (payload ? openRecorded(c, payload) : undefined)),
    reg('lore.sessions.refresh', () => tree.refresh()),
  ];
}
