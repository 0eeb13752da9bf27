import * as vscode from 'vscode';
import type { Session, SessionEvent } from '../../core/sessions/types';
import type { LoreAccess } from '../loreAccess';
import { oneLine } from './searchTree';

export type SessionNode =
  | { kind: 'group'; label: string; sessions: Session[] }
  | { kind: 'session'; session: Session }
  | { kind: 'event'; session: Session; event: SessionEvent };

const DAY = 24 * 60 * 60 * 1000;

/** Today / Yesterday / Earlier (by last activity), then Archived. Empty groups are left out. */
export function groupSessions(sessions: Session[], now = Date.now()): { label: string; sessions: Session[] }[] {
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  const today = midnight.getTime();
  const groups = [
    { label: 'Today', sessions: [] as Session[] },
    { label: 'Yesterday', sessions: [] as Session[] },
    { label: 'Earlier', sessions: [] as Session[] },
    { label: 'Archived', sessions: [] as Session[] },
  ];
  for (const s of sessions) {
    const g = s.status === 'archived' ? 3 : s.lastUpdateTime >= today ? 0 : s.lastUpdateTime >= today - DAY ? 1 : 2;
    groups[g].sessions.push(s);
  }
  return groups.filter((g) => g.sessions.length > 0);
}

function time(ms: number, withDate: boolean): string {
  const d = new Date(ms);
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return withDate ? `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hm}` : hm;
}

/** How an event reads in the tree: label, icon, and what clicking it does. */
export function describeEvent(e: SessionEvent): { label: string; icon: string; tooltip?: string } {
  const p = e.payload;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  switch (e.type) {
    case 'search':
      return { label: `Search: ${str(p.query)}`, icon: 'search', tooltip: `${str(p.mode)} search, ${Number(p.resultCount ?? 0)} result(s). Click to run it again.` };
    case 'open':
      return { label: `Opened ${str(p.title) || str(p.path)}`, icon: 'go-to-file', tooltip: `${str(p.path)}:${Number(p.line ?? 1)}` };
    case 'chat.request':
      return { label: `Asked: ${oneLine(str(p.prompt), 80)}`, icon: 'comment', tooltip: str(p.prompt) };
    case 'chat.response':
      return { label: `Answer: ${oneLine(str(p.text), 80)}`, icon: 'comment-discussion', tooltip: oneLine(str(p.text), 600) };
    case 'tool':
      return { label: `Tool ${str(p.tool)}`, icon: 'tools', tooltip: JSON.stringify(p.input ?? {}) };
    default:
      return { label: e.type, icon: 'circle-small' };
  }
}

/** The Sessions view: history grouped by day; sessions expand to their events. */
export class SessionsTreeProvider implements vscode.TreeDataProvider<SessionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SessionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly access: LoreAccess) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: SessionNode): Promise<SessionNode[]> {
    const store = this.access.sessions();
    if (!store) return [];
    if (!node) return groupSessions(await store.list({ includeArchived: true, limit: 200 })).map((g) => ({ kind: 'group', ...g }));
    if (node.kind === 'group') return node.sessions.map((session) => ({ kind: 'session', session }));
    if (node.kind === 'session') return (await store.events(node.session.id, { limit: 500 })).map((event) => ({ kind: 'event', session: node.session, event }));
    return [];
  }

  getTreeItem(node: SessionNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.label, node.label === 'Archived' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
      item.description = `${node.sessions.length}`;
      item.id = `group:${node.label}`;
      item.contextValue = 'sessionGroup';
      return item;
    }
    if (node.kind === 'session') {
      const s = node.session;
      const item = new vscode.TreeItem(s.title || 'Untitled session', vscode.TreeItemCollapsibleState.Collapsed);
      const older = Date.now() - s.lastUpdateTime > DAY;
      item.description = `${s.eventCount} event${s.eventCount === 1 ? '' : 's'} · ${time(s.lastUpdateTime, older)}`;
      item.tooltip = `${s.title}\nStarted ${new Date(s.createdAt).toLocaleString()}, last activity ${new Date(s.lastUpdateTime).toLocaleString()} (${s.status})`;
      item.iconPath = new vscode.ThemeIcon(s.status === 'archived' ? 'archive' : 'history');
      item.contextValue = s.status === 'archived' ? 'session.archived' : 'session';
      item.id = `session:${s.id}`;
      return item;
    }
    const { event, session } = node;
    const d = describeEvent(event);
    const item = new vscode.TreeItem(d.label, vscode.TreeItemCollapsibleState.None);
    item.description = time(event.time, Date.now() - event.time > DAY);
    item.tooltip = d.tooltip;
    item.iconPath = new vscode.ThemeIcon(d.icon);
    item.id = `event:${session.id}:${event.id}`;
    item.contextValue = `event.${event.type}`;
    if (event.type === 'search' && typeof event.payload.query === 'string') {
      item.command = { command: 'lore.rerunQuery', title: 'Search again', arguments: [event.payload.query] };
    } else if (event.type === 'open' && typeof event.payload.path === 'string') {
      item.command = { command: 'lore.sessions.openEvent', title: 'Open', arguments: [event.payload] };
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
