import * as vscode from 'vscode';
import { memoryValueText } from '../../core/memory/format';
import type { MemoryEntry } from '../../core/memory/types';
import type { LoreAccess } from '../loreAccess';
import { oneLine } from './searchTree';

export type MemoryNode =
  | { kind: 'namespace'; namespace: string; entries: number }
  | { kind: 'entry'; entry: MemoryEntry }
  | { kind: 'version'; entry: MemoryEntry; latest: MemoryEntry };

const TYPE_ICON = { semantic: 'lightbulb', procedural: 'checklist', episodic: 'calendar' } as const;

function when(ms: number): string {
  return new Date(ms).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function tooltip(e: MemoryEntry): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${e.namespace}** \`${e.key}\` · version ${e.version} · ${e.type}${e.deleted ? ' · forgotten' : ''}\n\n`);
  md.appendCodeblock(typeof e.value === 'string' ? e.value : JSON.stringify(e.value, null, 2), typeof e.value === 'string' ? 'text' : 'json');
  md.appendMarkdown(`\n\nWritten ${new Date(e.updatedAt).toLocaleString()}${e.updatedBy ? ` by ${e.updatedBy}` : ''}` +
    (e.expiresAt ? `; expires ${new Date(e.expiresAt).toLocaleString()}` : ''));
  return md;
}

/** The Memories view: namespaces, their keys (latest value), and each key's versions. */
export class MemoryTreeProvider implements vscode.TreeDataProvider<MemoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<MemoryNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly access: LoreAccess) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: MemoryNode): Promise<MemoryNode[]> {
    const store = this.access.memory();
    if (!store) return [];
    if (!node) return (await store.namespaces()).map((n) => ({ kind: 'namespace', ...n }));
    if (node.kind === 'namespace') {
      // The namespace itself, not those below it (they are their own rows).
      return (await store.list(node.namespace)).filter((e) => e.namespace === node.namespace).map((entry) => ({ kind: 'entry', entry }));
    }
    if (node.kind === 'entry') return (await store.history(node.entry.namespace, node.entry.key)).map((entry) => ({ kind: 'version', entry, latest: node.entry }));
    return [];
  }

  getTreeItem(node: MemoryNode): vscode.TreeItem {
    if (node.kind === 'namespace') {
      const item = new vscode.TreeItem(node.namespace, vscode.TreeItemCollapsibleState.Expanded);
      item.description = `${node.entries}`;
      item.iconPath = new vscode.ThemeIcon('symbol-namespace');
      item.contextValue = 'memoryNamespace';
      item.id = `ns:${node.namespace}`;
      return item;
    }
    const e = node.entry;
    if (node.kind === 'entry') {
      const item = new vscode.TreeItem(e.key, e.version > 1 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.description = oneLine(memoryValueText(e), 80);
      item.tooltip = tooltip(e);
      item.iconPath = new vscode.ThemeIcon(TYPE_ICON[e.type]);
      item.contextValue = 'memoryEntry';
      item.id = `entry:${e.namespace}\u0000${e.key}`;
      item.command = { command: 'lore.memory.show', title: 'Show', arguments: [node] };
      return item;
    }
    const latest = e.version === node.latest.version;
    const item = new vscode.TreeItem(`v${e.version}${latest ? ' (current)' : ''}${e.deleted ? ' (forgotten)' : ''}`, vscode.TreeItemCollapsibleState.None);
    item.description = `${when(e.updatedAt)}${e.updatedBy ? ` · ${e.updatedBy}` : ''} · ${oneLine(memoryValueText(e), 60)}`;
    item.tooltip = tooltip(e);
    item.iconPath = new vscode.ThemeIcon(latest ? 'circle-filled' : 'circle-outline');
    item.contextValue = latest ? 'memoryVersion.current' : 'memoryVersion';
    item.id = `version:${e.namespace}\u0000${e.key}\u0000${e.version}`;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
