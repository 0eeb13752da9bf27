import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { LoreWorkspace } from './lores';
import { STILL_OPENING } from './loreAccess';
import { formatCount } from '../core/format';

export type Report = (done: number, total: number, what?: string) => void;

/**
 * Runs a long task under window.withProgress. With `cancellable`, the notification's Cancel button
 * aborts the task's AbortSignal (the token is bridged to an AbortController).
 */
export function withProgress<T>(
  title: string,
  task: (signal: AbortSignal, report: Report) => Promise<T>,
  opts: { cancellable?: boolean; location?: vscode.ProgressLocation; signal?: AbortSignal } = {},
): Thenable<T> {
  const location = opts.location ?? vscode.ProgressLocation.Notification;
  return vscode.window.withProgress({ location, title, cancellable: opts.cancellable ?? true }, (progress, token) => {
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    const outer = () => ac.abort();
    opts.signal?.addEventListener('abort', outer, { once: true });
    let last = 0;
    const report: Report = (done, total, what) => {
      const pct = total > 0 ? (done / total) * 100 : 0;
      progress.report({ message: total > 0 ? `${formatCount(done)}/${formatCount(total)}${what ? ` ${what}` : ''}` : what, increment: pct - last });
      last = pct;
    };
    return task(ac.signal, report).finally(() => {
      sub.dispose();
      opts.signal?.removeEventListener('abort', outer);
    });
  });
}

/**
 * True when every index is open. Otherwise tells the user why not: "Lore is still opening the index"
 * while it opens, or the reason it cannot open.
 */
export function requireReady(access: LoreWorkspace): boolean {
  const err = access.openError();
  if (err) {
    void vscode.window.showErrorMessage(`Lore: ${err.message}`);
    return false;
  }
  if (!access.isReady()) {
    void vscode.window.showInformationMessage(`${STILL_OPENING}; try again in a moment.`);
    return false;
  }
  if (access.lores().length === 0) {
    void vscode.window.showInformationMessage('Lore: open a folder to index its markdown.');
    return false;
  }
  return true;
}

export function isAbort(err: unknown): boolean {
  return (err as { code?: string })?.code === 'ABORTED' || (err as { name?: string })?.name === 'AbortError';
}

/** Shows an error the user can act on (the message, never a stack trace). */
export function showError(prefix: string, err: unknown): void {
  if (isAbort(err)) return;
  void vscode.window.showErrorMessage(`Lore: ${prefix}: ${errorMessage(err)}`);
}
