import * as vscode from 'vscode';
import { alsoIn } from '../../core/search/group';
import type { MergedResult, MergedSearchResponse } from '../loreAccess';
import { memoryValueText } from '../../core/memory/format';
import type { MemoryHit } from '../../core/memory/types';

export { partialResults } from '../../core/search/partial';

export type SearchNode =
  | { kind: 'info'; label: string; tooltip?: string }
  | { kind: 'doc'; key: string; title: string; path: string; folder: string; uri: vscode.Uri; results: MergedResult[] }
  | { kind: 'chunk'; result: MergedResult }
  | { kind: 'memory'; hit: MemoryHit };

/** The Search view: the last search's results grouped by document, chunk children; click opens at the line. */
export class SearchTreeProvider implements vscode.TreeDataProvider<SearchNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SearchNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private response: MergedSearchResponse | undefined;
  private multiFolder = false;

  get last(): MergedSearchResponse | undefined {
    return this.response;
  }

  show(response: MergedSearchResponse | undefined, multiFolder: boolean): void {
    this.response = response;
    this.multiFolder = multiFolder;
    this.changed.fire(undefined);
  }

  /** The document groups, in order of their best result. */
  groups(): Extract<SearchNode, { kind: 'doc' }>[] {
    const byDoc = new Map<string, Extract<SearchNode, { kind: 'doc' }>>();
    for (const r of this.response?.results ?? []) {
      const key = r.uri.toString();
      let g = byDoc.get(key);
      if (!g) byDoc.set(key, (g = { kind: 'doc', key, title: r.title, path: r.path, folder: r.folder, uri: r.uri, results: [] }));
      g.results.push(r);
    }
    return [...byDoc.values()];
  }

  getChildren(node?: SearchNode): SearchNode[] {
    if (!this.response) return []; // empty: the welcome view (with its Search button) shows
    if (!node) {
      const groups = this.groups();
      const r = this.response;
      const head: SearchNode = {
        kind: 'info',
        label: `"${r.query}": ${groups.length ? `${r.results.length} result${r.results.length === 1 ? '' : 's'}` : 'no results'} (${r.mode})`,
        tooltip: r.fallbackReason ? `Asked for ${r.requestedMode}, used ${r.mode}: ${r.fallbackReason}` : `${r.mode} search in ${Math.round(r.ms)} ms`,
      };
      const memories: SearchNode[] = (r.memories ?? []).map((hit) => ({ kind: 'memory', hit }));
      return [head, ...memories, ...groups];
    }
    if (node.kind === 'doc') return node.results.map((result) => ({ kind: 'chunk', result }));
    return [];
  }

  getTreeItem(node: SearchNode): vscode.TreeItem {
    if (node.kind === 'info') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.tooltip = node.tooltip;
      item.iconPath = new vscode.ThemeIcon(this.response?.fallbackReason ? 'warning' : 'search');
      item.contextValue = 'searchInfo';
      return item;
    }
    if (node.kind === 'memory') {
      const e = node.hit.entry;
      const item = new vscode.TreeItem(`${e.namespace} ${e.key}`, vscode.TreeItemCollapsibleState.None);
      item.description = oneLine(memoryValueText(e), 100);
      item.tooltip = `Remembered (version ${e.version}, ${e.type}): ${memoryValueText(e)}`;
      item.iconPath = new vscode.ThemeIcon('lightbulb');
      item.contextValue = 'searchMemory';
      item.id = `memory:${e.namespace}\u0000${e.key}`;
      return item;
    }
    if (node.kind === 'doc') {
      const item = new vscode.TreeItem(node.title, vscode.TreeItemCollapsibleState.Expanded);
      const stale = node.results.some((r) => r.stale);
      const langs = node.results[0]?.translations;
      item.description = `${this.multiFolder ? `${node.folder}/` : ''}${node.path}${langs ? ` · ${alsoIn(langs)}` : ''}${stale ? ' · stale' : ''}`;
      item.resourceUri = node.uri;
      item.iconPath = stale ? new vscode.ThemeIcon('warning') : vscode.ThemeIcon.File;
      item.tooltip = stale ? `${node.path}\nChanged on disk since it was indexed; the result may be out of date.` : node.path;
      item.contextValue = 'searchDoc';
      item.id = `doc:${node.key}`;
      const first = node.results[0];
      item.command = { command: 'lore.openResult', title: 'Open', arguments: [first] };
      return item;
    }
    const r = node.result;
    const item = new vscode.TreeItem(sectionOf(r), vscode.TreeItemCollapsibleState.None);
    item.description = `${r.stale ? '(stale) ' : ''}L${r.startLine}–${r.endLine}  ${displaySnippet(r)}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMd(r.title)}**${r.headingPath ? ` › ${escapeMd(r.headingPath)}` : ''}\n\n`);
    md.appendText(`${r.path}:${r.startLine}-${r.endLine}${r.stale ? '  (stale: changed on disk since indexed)' : ''}\n\n${r.snippet}`);
    if (r.explain) {
      md.appendMarkdown('\n\n---\n\n**Why here**\n\n');
      md.appendText(r.explain.summary.split(' · ').join('\n'));
    }
    item.tooltip = md;
    item.iconPath = new vscode.ThemeIcon(r.stale ? 'warning' : 'symbol-text');
    item.contextValue = 'searchChunk';
    item.id = `chunk:${r.uri.toString()}:${r.startLine}`;
    item.command = { command: 'lore.openResult', title: 'Open', arguments: [r] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The heading path without the document's own title in front ("Context > Options"), or "(top)" for text before any heading. */
export function sectionOf(r: { headingPath: string; title: string }): string {
  const parts = r.headingPath.split(' > ').filter(Boolean);
  if (parts.length > 1 && parts[0] === r.title) parts.shift();
  else if (parts.length === 1 && parts[0] === r.title) return r.title;
  return parts.join(' › ') || '(top)';
}

/** The snippet on one line without the chunk's own heading in front ("## Consequences Operations…" -> "Operations…"). */
export function displaySnippet(r: { snippet: string; headingPath: string }, max = 120): string {
  const text = oneLine(r.snippet, 10_000);
  const last = r.headingPath.split(' > ').pop() ?? '';
  const heading = /^#{1,6}\s+/.exec(text);
  const rest = heading && last && text.slice(heading[0].length).startsWith(last) ? text.slice(heading[0].length + last.length).trim() : text;
  return oneLine(rest || text, max);
}

export function oneLine(s: string, max = 120): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
