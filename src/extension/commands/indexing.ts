import * as vscode from 'vscode';
import { type ReconcileSummary, sumSummaries as total } from '../../core/index/reconcile';
import type { Ctx } from '../context';
import { requireReady, showError, withProgress } from '../progress';
import { formatCount } from '../../core/format';

function describe(s: ReconcileSummary): string {
  const parts = [`${s.added} added`, `${s.changed} changed`, `${s.removed} removed`];
  if (s.renamed) parts.push(`${s.renamed} renamed`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.skipped) parts.push(`${s.skipped} skipped (Index Status says why)`);
  return `${formatCount(s.scanned)} files: ${parts.join(', ')} (${(s.ms / 1000).toFixed(1)} s)`;
}

/** One cancellable indexing pass with a progress notification; resolves with the summed summary. */
export async function indexWithProgress(c: Ctx, kind: 'reindex' | 'rebuild' | 'retry', title: string, opts: { quiet?: boolean; location?: vscode.ProgressLocation; folders?: vscode.WorkspaceFolder[] } = {}): Promise<ReconcileSummary | undefined> {
  if (c.access.isPaused) await resumeIndexing(c);
  try {
    const summaries = await withProgress(
      title,
      (signal, report) => c.access.indexAll(kind, { signal, folders: opts.folders, onProgress: (done, all) => report(done, all) }),
      { location: opts.location },
    );
    const sum = total(summaries);
    if (!opts.quiet) void vscode.window.showInformationMessage(`Lore: ${title.replace(/…$/, '')} done. ${describe(sum)}`);
    return sum;
  } catch (err) {
    showError(`${title.replace(/…$/, '').toLowerCase()} failed`, err);
    return undefined;
  } finally {
    await c.refresh(); // the command ends with the status bar showing where the index is
  }
}

/** Resumes after a pause: embedding and watching start again (an indexing pass then catches up). */
export async function resumeIndexing(c: Ctx): Promise<void> {
  c.access.resume();
  await vscode.commands.executeCommand('setContext', 'lore.paused', false);
  for (const { folder } of c.access.lores()) c.access.startWatching(folder);
}

export function registerIndexCommands(c: Ctx): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;
  return [
    reg('lore.reindex', () => (requireReady(c.access) ? indexWithProgress(c, 'reindex', 'Reindexing the workspace…') : undefined)),
    // lore.rebuild [confirmed]: drops every folder's index and builds it again (asks first unless confirmed === true).
    reg('lore.rebuild', async (confirmed?: unknown) => {
      if (!requireReady(c.access)) return undefined;
      if (confirmed !== true) {
        const ok = await vscode.window.showWarningMessage(
          'Rebuild the Lore index? Every document is dropped and read again from the markdown files. Session history is kept.',
          { modal: true },
          'Rebuild',
        );
        if (ok !== 'Rebuild') return undefined;
      }
      return indexWithProgress(c, 'rebuild', 'Rebuilding the index…');
    }),
    reg('lore.pauseIndexing', async () => {
      if (!requireReady(c.access)) return;
      await c.access.pause();
      await vscode.commands.executeCommand('setContext', 'lore.paused', true);
      void vscode.window.showInformationMessage('Lore: indexing paused. Changes are picked up when you resume.');
      await c.refresh();
    }),
    reg('lore.resumeIndexing', async () => {
      if (!requireReady(c.access)) return undefined;
      await resumeIndexing(c);
      return indexWithProgress(c, 'reindex', 'Catching up after the pause…', { quiet: true, location: vscode.ProgressLocation.Window });
    }),
    reg('lore.showIndexStatus', () => vscode.commands.executeCommand('lore.status.focus')),
    // lore.validate: returns the reports (one per folder) and says whether the index is consistent.
    reg('lore.validate', async () => {
      if (!requireReady(c.access)) return undefined;
      const reports = await Promise.all(c.access.lores().map(async ({ folder, lore }) => ({ folder: folder.name, ...(await lore.validate()) })));
      const problems = reports.flatMap((r) => r.problems.map((p) => `${reports.length > 1 ? `${r.folder}: ` : ''}[${p.check}] ${p.message}`));
      if (problems.length === 0) {
        void vscode.window.showInformationMessage(`Lore: the index is consistent (${reports[0]?.checked.join(', ') ?? 'nothing to check'}).`);
      } else {
        c.log(`validate: ${problems.join('\n')}`);
        void vscode.window
          .showWarningMessage(`Lore: the index has ${problems.length} problem(s): ${problems[0]}${problems.length > 1 ? ' …' : ''}`, 'Rebuild Index')
          .then((a) => (a ? vscode.commands.executeCommand('lore.rebuild') : undefined));
      }
      return reports;
    }),
    reg('lore.retryFailed', async () => {
      if (!requireReady(c.access)) return undefined;
      const failed = (await c.access.status()).reduce((n, s) => n + s.counts.failed, 0);
      if (failed === 0) {
        void vscode.window.showInformationMessage('Lore: no files have failed.');
        return undefined;
      }
      return indexWithProgress(c, 'retry', `Retrying ${failed} failed file(s)…`);
    }),
    // lore.retryFile (Index Status tree): index one failed file again.
    reg('lore.retryFile', async (arg?: { folder?: vscode.WorkspaceFolder; file?: { path: string } } | vscode.Uri) => {
      if (!arg || !requireReady(c.access)) return undefined;
      const target = arg instanceof vscode.Uri ? c.access.locate(arg) : { folder: arg.folder, rel: arg.file?.path };
      const at = c.access.lores().find((l) => l.folder.uri.toString() === target?.folder?.uri.toString());
      const rel = target?.rel;
      if (!at || !rel) return undefined;
      try {
        const s = await at.lore.index({ paths: [rel], retryFailed: true });
        const still = (await at.lore.files('failed')).find((f) => f.path === rel);
        if (still) void vscode.window.showWarningMessage(`Lore: ${rel} still fails: ${still.error ?? 'unknown reason'}`);
        return s;
      } catch (err) {
        showError(`retrying ${rel} failed`, err);
        return undefined;
      } finally {
        await c.refresh();
      }
    }),
    reg('lore.copyText', async (text?: unknown) => {
      if (typeof text !== 'string') return;
      await vscode.env.clipboard.writeText(text);
      void vscode.window.showInformationMessage(`Copied: ${text}`);
    }),
  ];
}
