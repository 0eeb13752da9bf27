import * as vscode from 'vscode';
import { isDegraded } from './embedding';
import type { LoreWorkspace } from './lores';
import { formatCount } from '../core/format';

/** What the status bar says: indexing progress, the document count, or "keyword only" when degraded. */
export async function statusBarText(access: LoreWorkspace): Promise<{ text: string; tooltip: string; warning: boolean; error: boolean }> {
  const err = access.openError();
  if (err) return { text: '$(error) Lore: unavailable', tooltip: err.message, warning: false, error: true };
  if (!access.isReady()) return { text: '$(loading~spin) Lore: opening…', tooltip: 'Lore is still opening the index', warning: false, error: false };
  const statuses = await access.status();
  let done = 0;
  let total = 0;
  let docs = 0;
  let indexing = false;
  let toEmbed = 0;
  const reasons: string[] = [];
  const unreachable: string[] = [];
  for (const s of statuses) {
    if (s.team && s.team.using === 'sqlite') unreachable.push(`${statuses.length > 1 ? `${s.folder}: ` : ''}${s.team.reason ?? 'not connected yet'}`);
    docs += s.documents;
    // A pass with nothing to do (a reload: scanning, or 0 files changed) is not "indexing 0/0":
    // the text stays as it is.
    if (s.indexing && s.indexing.total > 0) {
      indexing = true;
      done += s.indexing.done;
      total += s.indexing.total;
    }
    if (s.queue.running && !s.queue.paused) toEmbed += s.queue.pending;
    const e = s.embedder;
    if (isDegraded(e)) reasons.push(`${statuses.length > 1 ? `${s.folder}: ` : ''}${e.reason ?? 'the embedder is not available'}`);
  }
  const n = formatCount;
  if (indexing) return { text: `$(sync~spin) Lore: indexing ${n(done)}/${n(total)}`, tooltip: 'Lore is indexing. Click for the index status.', warning: false, error: false };
  if (toEmbed > 0) return { text: `$(sync~spin) Lore: embedding, ${n(toEmbed)} docs left`, tooltip: `Lore is embedding ${n(toEmbed)} documents for semantic search (keyword search works meanwhile). Click for the index status.`, warning: false, error: false };
  if (unreachable.length) return { text: `$(warning) Lore: team index unreachable`, tooltip: `team index unreachable: ${unreachable.join(' ')}\nWorking on the local index meanwhile (search and indexing go on); it moves back when the server answers. Click for the index status.`, warning: true, error: false };
  if (access.isPaused) return { text: '$(debug-pause) Lore: paused', tooltip: 'Indexing is paused. Click for the index status.', warning: false, error: false };
  if (reasons.length) return { text: '$(warning) Lore: keyword only', tooltip: `Semantic search is unavailable: ${reasons.join(' ')}\nClick for the index status.`, warning: true, error: false };
  return { text: `$(book) Lore: ${n(docs)} docs`, tooltip: 'Lore index. Click for the index status.', warning: false, error: false };
}

export class LoreStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lore.status', vscode.StatusBarAlignment.Left, 50);
  /** Updates are numbered: a slower, older one never overwrites a newer one. */
  private updates = 0;

  constructor(private readonly access: LoreWorkspace) {
    this.item.name = 'Lore';
    this.item.command = 'lore.showIndexStatus';
    void this.update();
    this.item.show();
  }

  /** The text shown now (for tests). */
  get text(): string {
    return this.item.text;
  }

  async update(): Promise<void> {
    const n = ++this.updates;
    const s = await statusBarText(this.access).catch((err: unknown) => ({
      text: '$(error) Lore: unavailable', tooltip: err instanceof Error ? err.message : String(err), warning: false, error: true,
    }));
    if (n !== this.updates) return;
    this.item.text = s.text;
    this.item.tooltip = s.tooltip;
    this.item.backgroundColor = s.error
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : s.warning
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
