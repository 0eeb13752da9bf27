// How the Related view's entries read: labels, descriptions, tooltips, icons and the line each opens.
import * as vscode from 'vscode';
import { linkCount } from '../../core/related/format';
import type { Backlink, OutgoingLink, RelatedResult, SimilarPassage } from '../../core/related/types';
import { oneLine, sectionOf } from './searchTree';

export type RelatedGroup = 'similar' | 'linksTo' | 'linksFrom';

export type RelatedNode =
  | { kind: 'group'; group: RelatedGroup }
  | { kind: 'similar'; passage: SimilarPassage; uri: vscode.Uri }
  | { kind: 'backlink'; link: Backlink; uri: vscode.Uri }
  | { kind: 'outgoing'; link: OutgoingLink; source: vscode.Uri; uri?: vscode.Uri }
  | { kind: 'empty'; group: RelatedGroup; label: string };

/** Opens a file at a 1-based line (the Related and Index Status views' entries). */
export const OPEN_AT_LINE = 'lore.openAtLine';

const GROUP_LABELS: Record<RelatedGroup, string> = { similar: 'Similar', linksTo: 'Links to here', linksFrom: 'Links from here' };

const STATE_NOTES: Record<OutgoingLink['state'], string> = {
  document: 'Reaches an indexed document.',
  'heading-missing': 'The document is there, but the #fragment names none of its headings: opens at the top.',
  file: 'Reaches a file or folder on disk that is not an indexed document (an image, a folder without a README).',
  'missing-file': 'Names a file that is not a document (e.g. an image) and is not on disk. Opens the link in this document.',
  outside: 'Leaves the workspace folder: not indexed here, so not known to be broken. Opens the link in this document.',
  broken: 'Broken: reaches no document and no file. Opens the link in this document.',
};

const STATE_TAGS: Partial<Record<OutgoingLink['state'], string>> = { 'heading-missing': 'heading missing', outside: 'outside the folder', file: 'file', 'missing-file': 'missing file', broken: 'broken' };
const STATE_ICONS: Record<OutgoingLink['state'], string> = { document: 'arrow-right', 'heading-missing': 'warning', file: 'file-media', 'missing-file': 'warning', outside: 'link-external', broken: 'error' };

/** How an outgoing link reads: the target's title, else the target as written. */
export function outgoingLabel(l: OutgoingLink): string {
  return l.title ?? `${l.target}${l.fragment ? `#${l.fragment}` : ''}`;
}

/** The tree item of a node of the Related view (`result`: what the view shows). */
export function relatedItem(node: RelatedNode, result: RelatedResult): vscode.TreeItem {
  const None = vscode.TreeItemCollapsibleState.None;
  switch (node.kind) {
    case 'group':
      return groupItem(node.group, result);
    case 'empty': {
      const item = new vscode.TreeItem(node.label, None);
      item.iconPath = new vscode.ThemeIcon('info');
      item.id = `empty:${node.group}`;
      return item;
    }
    case 'similar': {
      const p = node.passage;
      const item = new vscode.TreeItem(sectionOf(p), None);
      item.description = `${p.path}:${p.startLine}`;
      const md = new vscode.MarkdownString();
      md.appendText(`${p.title}${p.headingPath ? ` › ${p.headingPath.split(' > ').join(' › ')}` : ''}\n${p.path}:${p.startLine}-${p.endLine}\n\n${p.snippet}`);
      item.tooltip = md;
      item.iconPath = new vscode.ThemeIcon('symbol-text');
      item.resourceUri = node.uri;
      item.command = { command: OPEN_AT_LINE, title: 'Open', arguments: [node.uri, p.startLine] };
      return item;
    }
    case 'backlink': {
      const l = node.link;
      const item = new vscode.TreeItem(l.title || l.path, None);
      item.description = `L${l.line}: ${oneLine(l.context, 140)}`;
      item.tooltip = `${l.path}:${l.line}${l.fragment ? ` (to #${l.fragment})` : ''}\n\n${l.context}`;
      item.iconPath = new vscode.ThemeIcon('arrow-left');
      item.command = { command: OPEN_AT_LINE, title: 'Open', arguments: [node.uri, l.line] };
      return item;
    }
    case 'outgoing': {
      const l = node.link;
      const item = new vscode.TreeItem(outgoingLabel(l), None);
      const tag = STATE_TAGS[l.state];
      const written = `${l.target}${l.fragment ? `#${l.fragment}` : ''}`;
      item.description = [tag, l.title && l.fragment ? `#${l.fragment}` : undefined, `L${l.line}`].filter(Boolean).join(' · ');
      item.tooltip = `${written}${l.path && l.path !== l.target ? ` → ${l.path}${l.targetLine && l.targetLine > 1 ? `:${l.targetLine}` : ''}` : ''}\n${STATE_NOTES[l.state]} (${l.state})\n\nLine ${l.line}: ${l.context}`;
      item.iconPath = new vscode.ThemeIcon(STATE_ICONS[l.state], l.state === 'broken' ? new vscode.ThemeColor('errorForeground') : undefined);
      item.contextValue = `related.link.${l.state}`;
      const opensTarget = node.uri && (l.state === 'document' || l.state === 'heading-missing' || l.state === 'file');
      item.command = opensTarget
        ? { command: OPEN_AT_LINE, title: 'Open', arguments: [node.uri, l.state === 'file' ? undefined : (l.targetLine ?? 1)] }
        : { command: OPEN_AT_LINE, title: 'Open the link', arguments: [node.source, l.line] };
      return item;
    }
  }
}

function groupItem(group: RelatedGroup, r: RelatedResult): vscode.TreeItem {
  const item = new vscode.TreeItem(GROUP_LABELS[group], vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${group}`;
  item.contextValue = `related.${group}`;
  if (group === 'similar') {
    const s = r.similar;
    item.description = s.method === 'semantic' ? 'by meaning' : s.method === 'keyword' ? 'by keywords' : 'none';
    item.tooltip = `${s.reason}${s.terms?.length ? `\nWords: ${s.terms.join(' ')}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(s.method === 'semantic' ? 'sparkle' : 'search');
  } else if (group === 'linksTo') {
    item.description = linkCount(r.linksTo.length, r.linksToTotal);
    item.tooltip = `Documents that link to this one: the linking line is the preview.${capped(r.linksTo.length, r.linksToTotal)}`;
    item.iconPath = new vscode.ThemeIcon('references');
  } else {
    const broken = r.linksFrom.filter((l) => l.state === 'broken').length;
    item.description = `${linkCount(r.linksFrom.length, r.linksFromTotal)}${broken ? ` · ${broken} broken` : ''}`;
    item.tooltip = `Links in this document to other files: each opens where it points (the heading a #fragment names).${capped(r.linksFrom.length, r.linksFromTotal)}`;
    item.iconPath = new vscode.ThemeIcon('link');
  }
  return item;
}

/** For a group's tooltip, when its list stops short of the true count: how many are listed. */
function capped(listed: number, total?: number): string {
  return total !== undefined && total > listed ? `\nThe first ${listed} of ${total} are listed.` : '';
}
