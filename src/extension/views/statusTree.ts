import * as vscode from 'vscode';
import type { FileState, Lore } from '../../core/service';
import type { SyncStatus } from '../../core/types';
import type { BrokenLinks } from '../../core/related/types';
import { describeEmbedder, type EmbedderStatus, isDegraded } from '../embedding';
import type { LoreWorkspace } from '../lores';
import { OPEN_AT_LINE } from './relatedTree';
import { formatCount, formatTeam, teamHealthParts } from '../../core/format';

export type StatusNode =
  | { kind: 'folder'; folder: vscode.WorkspaceFolder; lore: Lore; documents: number }
  | { kind: 'state'; folder: vscode.WorkspaceFolder; lore: Lore; status: SyncStatus; count: number }
  | { kind: 'file'; folder: vscode.WorkspaceFolder; file: FileState }
  | { kind: 'more'; count: number }
  | { kind: 'broken'; folder: vscode.WorkspaceFolder; lore: Lore; count: number }
  | { kind: 'brokenLink'; folder: vscode.WorkspaceFolder; link: BrokenLinks['links'][number] }
  | { kind: 'embedder'; embedder: EmbedderStatus }
  | { kind: 'fix'; label: string; command: vscode.Command; tooltip?: string }
  | { kind: 'info'; id: string; label: string; description?: string; icon: string; tooltip?: string };

const FILES_SHOWN = 200;
const BROKEN_SHOWN = 50;
const LABELS: Record<SyncStatus, string> = { synced: 'Synced', pending: 'Pending', stale: 'Stale', failed: 'Failed' };
const ICONS: Record<SyncStatus, string> = { synced: 'pass', pending: 'clock', stale: 'history', failed: 'error' };
const ORDER: readonly SyncStatus[] = ['synced', 'pending', 'stale', 'failed'];
const TOOLTIPS: Record<SyncStatus, string> = {
  synced: 'Indexed: searchable by keyword and, with an embedder, by meaning.',
  pending: 'Text indexed and searchable by keyword; waiting for embeddings (semantic search).',
  stale: 'Changed on disk since indexed; re-indexed shortly.',
  failed: 'Could not be indexed; the reason is beside each file. Retry after fixing it.',
};

function ago(ms: number): string {
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleString();
}

/** The Index Status view: counts per sync status (expanding to files), embedder state with a fix, queue, last sync. */
export class StatusTreeProvider implements vscode.TreeDataProvider<StatusNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StatusNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly access: LoreWorkspace) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: StatusNode): Promise<StatusNode[]> {
    if (!node) {
      const err = this.access.openError();
      if (err) return [{ kind: 'info', id: 'error', label: 'The index cannot open', description: err.message, icon: 'error', tooltip: err.message }];
      if (!this.access.isReady()) return [{ kind: 'info', id: 'opening', label: 'Lore is still opening the index…', icon: 'loading~spin' }];
      const lores = this.access.lores();
      if (lores.length === 0) return [{ kind: 'info', id: 'nofolder', label: 'No folder open', icon: 'info' }];
      if (lores.length > 1) return Promise.all(lores.map(async ({ folder, lore }) => ({ kind: 'folder' as const, folder, lore, documents: (await lore.status()).documents })));
      return this.folderChildren(lores[0].folder, lores[0].lore);
    }
    if (node.kind === 'folder') return this.folderChildren(node.folder, node.lore);
    if (node.kind === 'state') {
      const files = await node.lore.files(node.status, FILES_SHOWN);
      const out: StatusNode[] = files.map((file) => ({ kind: 'file', folder: node.folder, file }));
      if (node.count > files.length) out.push({ kind: 'more', count: node.count - files.length });
      return out;
    }
    if (node.kind === 'broken') {
      const { count, links } = await node.lore.brokenLinks(BROKEN_SHOWN);
      const out: StatusNode[] = links.map((link) => ({ kind: 'brokenLink', folder: node.folder, link }));
      if (count > links.length) out.push({ kind: 'more', count: count - links.length });
      return out;
    }
    if (node.kind === 'embedder') return this.fixes(node.embedder);
    return [];
  }

  private async folderChildren(folder: vscode.WorkspaceFolder, lore: Lore): Promise<StatusNode[]> {
    const s = await lore.status();
    const out: StatusNode[] = [];
    if (this.access.isPaused) out.push({ kind: 'info', id: `${folder.uri}:paused`, label: 'Indexing paused', icon: 'debug-pause', tooltip: 'Run "Lore: Resume Indexing" to catch up.' });
    if (s.indexing) {
      const p = s.indexing;
      out.push({ kind: 'info', id: `${folder.uri}:indexing`, label: p.phase === 'scanning' ? 'Scanning…' : `Indexing ${formatCount(p.done)}/${formatCount(p.total)}`, description: p.current, icon: 'sync~spin' });
    }
    out.push({ kind: 'info', id: `${folder.uri}:docs`, label: `${formatCount(s.documents)} documents`, description: `${formatCount(s.chunks)} chunks · ${(s.databaseBytes / 1048576).toFixed(1)} MB`, icon: 'database', tooltip: s.dbPath });
    if (s.team) {
      const t = s.team;
      if (t.using === 'postgres') {
        const h = t.health;
        const description = h?.reachable ? teamHealthParts(h, 'no pgvector').join(' · ') : 'not answering just now';
        out.push({ kind: 'info', id: `${folder.uri}:team`, label: `Team index: ${t.project}`, description, icon: 'cloud', tooltip: `${formatTeam(t)}\nLocal index (used while the server cannot be reached): ${t.local}` });
      } else {
        out.push({ kind: 'info', id: `${folder.uri}:team`, label: `team index unreachable: ${t.reason ?? 'not connected yet'}`, description: 'working on the local index', icon: 'warning', tooltip: formatTeam(t) });
        out.push({ kind: 'fix', label: 'Reconnect to the team index now', command: { command: 'lore.reconnectTeamIndex', title: 'Reconnect' } });
        out.push({ kind: 'fix', label: 'Set team index password…', command: { command: 'lore.setTeamIndexPassword', title: 'Set password' } });
        out.push({ kind: 'fix', label: 'Open team index settings', command: { command: 'workbench.action.openSettings', title: 'Open settings', arguments: ['lore.storage'] } });
      }
    }
    // Without semantic search "pending" never moves: the documents are searchable by keyword, and
    // that is what is said (the embedder's line below says why semantic search is off, with a fix).
    const semantic = s.embedder.state === 'live' || s.embedder.state === 'checking';
    if (!semantic) {
      const searchable = s.counts.synced + s.counts.pending;
      const why = s.embedder.state === 'off' ? 'no embedder configured' : (s.embedder.reason ?? 'the embedder is not available');
      out.push({ kind: 'info', id: `${folder.uri}:keyword`, label: `${formatCount(searchable)} searchable by keyword`, description: `semantic search off: ${why}`, icon: 'search', tooltip: `Semantic search off: ${why}` });
    }
    for (const status of ORDER) {
      const count = s.counts[status];
      if (!semantic && (status === 'synced' || status === 'pending')) continue;
      if (count > 0 || status === 'synced' || status === 'failed') out.push({ kind: 'state', folder, lore, status, count });
    }
    if (s.brokenLinks > 0) out.push({ kind: 'broken', folder, lore, count: s.brokenLinks });
    if (s.skipped.count) {
      const shown = s.skipped.paths.slice(0, 15).map((p) => `${p.path}: ${p.reason}`);
      out.push({
        kind: 'info', id: `${folder.uri}:skipped`, label: `Skipped: ${formatCount(s.skipped.count)} path(s)`, icon: 'warning',
        description: s.skipped.paths[0]?.reason, tooltip: [...shown, ...(s.skipped.count > shown.length ? [`… and ${s.skipped.count - shown.length} more`] : [])].join('\n'),
      });
    }
    if (s.recovered) {
      out.push({ kind: 'info', id: `${folder.uri}:recovered`, label: 'Repaired: the index was damaged and rebuilt', description: s.recovered.reason, icon: 'tools', tooltip: `The damaged file was kept as ${s.recovered.movedTo}` });
    }
    out.push({ kind: 'embedder', embedder: s.embedder });
    const q = s.queue;
    if (semantic) out.push({ kind: 'info', id: `${folder.uri}:queue`, label: `Embedding queue: ${formatCount(q.pending)} pending`, description: q.paused ? 'paused' : q.running ? 'running' : 'idle', icon: 'list-ordered' });
    out.push({ kind: 'info', id: `${folder.uri}:sync`, label: `Last sync: ${s.lastSyncedAt ? ago(s.lastSyncedAt) : 'never'}`, icon: 'clock', tooltip: s.lastSyncedAt ? new Date(s.lastSyncedAt).toLocaleString() : undefined });
    return out;
  }

  private fixes(e: EmbedderStatus): StatusNode[] {
    const out: StatusNode[] = [];
    if (e.fix?.kind === 'command') {
      out.push({ kind: 'fix', label: `${e.fix.label}: ${e.fix.value}`, tooltip: 'Click to copy the command', command: { command: 'lore.copyText', title: 'Copy', arguments: [e.fix.value] } });
    } else if (e.fix?.kind === 'action') {
      out.push({ kind: 'fix', label: e.fix.label, command: { command: e.fix.value, title: e.fix.label } });
    } else if (e.fix?.kind === 'setting') {
      out.push({ kind: 'fix', label: e.fix.label, command: { command: 'workbench.action.openSettings', title: 'Open settings', arguments: [e.fix.value] } });
    }
    if (e.state === 'degraded') out.push({ kind: 'fix', label: 'Check again now', command: { command: 'lore.recheckEmbedder', title: 'Check again' } });
    out.push({ kind: 'fix', label: 'Open embedding settings', command: { command: 'workbench.action.openSettings', title: 'Open settings', arguments: ['lore.embedding'] } });
    out.push({ kind: 'fix', label: 'Select embedding model…', command: { command: 'lore.selectEmbeddingModel', title: 'Select model' } });
    return out;
  }

  getTreeItem(node: StatusNode): vscode.TreeItem {
    const None = vscode.TreeItemCollapsibleState.None;
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${formatCount(node.documents)} docs`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.id = `folder:${node.folder.uri}`;
        return item;
      }
      case 'state': {
        const collapsible = node.count > 0 ? (node.status === 'failed' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : None;
        const item = new vscode.TreeItem(LABELS[node.status], collapsible);
        item.description = formatCount(node.count);
        item.iconPath = new vscode.ThemeIcon(ICONS[node.status], node.status === 'failed' && node.count ? new vscode.ThemeColor('errorForeground') : undefined);
        item.contextValue = `state.${node.status}`;
        item.tooltip = TOOLTIPS[node.status];
        item.id = `state:${node.folder.uri}:${node.status}`;
        return item;
      }
      case 'file': {
        const f = node.file;
        const item = new vscode.TreeItem(f.path, None);
        item.description = f.error ?? (f.title !== f.path ? f.title : undefined);
        item.tooltip = f.error ? `${f.path}\n${f.status === 'failed' ? 'Failed' : 'Warning'}: ${f.error}` : `${f.path} (${f.chunkCount} chunks)`;
        item.iconPath = new vscode.ThemeIcon(f.status === 'failed' ? 'error' : 'file');
        item.contextValue = `file.${f.status}`;
        item.id = `file:${node.folder.uri}:${f.path}`;
        item.resourceUri = vscode.Uri.joinPath(node.folder.uri, ...f.path.split('/'));
        item.command = { command: 'vscode.open', title: 'Open', arguments: [item.resourceUri] };
        return item;
      }
      case 'broken': {
        const item = new vscode.TreeItem(`${formatCount(node.count)} broken link${node.count === 1 ? '' : 's'}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.tooltip = 'Links in the markdown that reach no document of the index and no file. Expand to see where they are; each opens at its line.';
        item.contextValue = 'brokenLinks';
        item.id = `broken:${node.folder.uri}`;
        return item;
      }
      case 'brokenLink': {
        const l = node.link;
        const item = new vscode.TreeItem(`${l.path}:${l.line}`, None);
        item.description = l.target;
        item.tooltip = `${l.path}:${l.line} links to ${l.missing === 'file' ? 'the file ' : ''}${l.target}, which is not there\n\n${l.context}`;
        item.iconPath = new vscode.ThemeIcon('error');
        item.contextValue = 'brokenLink';
        item.resourceUri = vscode.Uri.joinPath(node.folder.uri, ...l.path.split('/'));
        item.command = { command: OPEN_AT_LINE, title: 'Open', arguments: [item.resourceUri, l.line] };
        return item;
      }
      case 'more':
        return new vscode.TreeItem(`…and ${formatCount(node.count)} more`, None);
      case 'embedder': {
        const e = node.embedder;
        const item = new vscode.TreeItem(`Semantic search: ${describeEmbedder(e)}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = e.reason;
        item.tooltip = [
          e.provider && `${e.provider === 'builtin' ? 'built-in' : e.provider}${e.model ? ` / ${e.model}` : ''}`, e.reason, e.autoNote,
          e.truncated ? `${formatCount(e.truncated)} chunk(s) were longer than the model reads and were cut` : undefined,
        ].filter(Boolean).join('\n') || undefined;
        item.iconPath = new vscode.ThemeIcon(isDegraded(e) ? 'warning' : e.state === 'live' ? 'sparkle' : 'circle-slash');
        item.contextValue = `embedder.${e.state}`;
        return item;
      }
      case 'fix': {
        const item = new vscode.TreeItem(node.label, None);
        item.command = node.command;
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon(node.command.command === 'lore.copyText' ? 'copy' : 'gear');
        item.contextValue = 'fix';
        return item;
      }
      case 'info': {
        const item = new vscode.TreeItem(node.label, None);
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.id = `info:${node.id}`;
        return item;
      }
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
