// The Related view: what belongs with the markdown section under the cursor, from the core's
// Lore.related(): similar passages (by meaning or by keywords), the links to the document and the
// links from it. It follows the active markdown editor (debounced, re-queried only when the cursor
// leaves the section shown or another document is active; a move within the section being asked
// about waits for the answer), re-queries when the index changes (throttled), and can be pinned to
// keep its list while you browse other files.
import path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { MARKDOWN_EXT } from '../../core/markdown/docInfo';
import type { Lore } from '../../core/service';
import type { RelatedResult } from '../../core/related/types';
import type { LoreWorkspace } from '../lores';
import { openAt } from '../open';
import { OPEN_AT_LINE, relatedItem, type RelatedNode } from './relatedItems';
import { sectionOf } from './searchTree';

export { OPEN_AT_LINE, type RelatedGroup, type RelatedNode } from './relatedItems';

/** What is shown: a document (and the line whose section was compared) of one folder's index. */
export interface RelatedTarget {
  uri: vscode.Uri;
  line: number;
}

/** A result shown, the document and line it answers, and the folder its paths are relative to. */
interface Shown {
  result: RelatedResult;
  target: RelatedTarget;
  folderUri: vscode.Uri;
  /**
   * The lines whose section is the one shown: the section's range, widened to the line asked
   * about (a blank line after it, front matter before the first heading map to it too).
   */
  covered: { from: number; to: number } | undefined;
}

export const PIN = 'lore.related.pin';
export const UNPIN = 'lore.related.unpin';
export const PINNED_CONTEXT = 'lore.related.pinned';

const SIMILAR_LIMIT = 10;
const LINK_LIMIT = 100;
/** Cursor moves settle this long before the view looks again. */
const SELECTION_DEBOUNCE_MS = 250;
/** At most one re-query per this long while the index changes (indexing, embedding). */
const INDEX_THROTTLE_MS = 1000;


export function isMarkdown(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'markdown' || doc.languageId === 'mdx' || MARKDOWN_EXT.test(doc.uri.path);
}

/** Why an editor shows nothing here, or undefined when it is a markdown file on disk. */
function notFollowed(editor: vscode.TextEditor | undefined): string | undefined {
  if (!editor) return 'Open a markdown file to see what relates to it.';
  if (!isMarkdown(editor.document)) return 'The active editor is not markdown. Open a markdown file to see what relates to it.';
  if (editor.document.uri.scheme !== 'file') return 'This markdown is not a file on disk: Lore relates the workspace\'s saved files.';
  return undefined;
}

/** The tree of the Related view, and the state behind it (what is shown, pinned, the message). */
export class RelatedTreeProvider implements vscode.TreeDataProvider<RelatedNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RelatedNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stateChanged = new vscode.EventEmitter<void>();
  /** Fires when the message, the description or the pinned state changed (the TreeView follows them). */
  readonly onDidChangeState = this.stateChanged.event;

  /**
   * The result shown, with the document (and line) it is for and the folder its paths are relative
   * to: while a query for another document runs, the tree still shows (and opens) this one.
   */
  private current: Shown | undefined;
  /** What the view asks about (or asked about last): the document being queried, else the one shown. */
  private target: RelatedTarget | undefined;
  private text: string | undefined = 'Open a markdown file to see what relates to it.';
  private isPinned = false;
  private visible = false;
  /** The index changed (or the view was hidden) since the last query: the next look queries again. */
  private stale = false;
  private inflight: AbortController | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private throttle: NodeJS.Timeout | undefined;
  private lastIndexQuery = 0;
  private readonly subscriptions = new Map<Lore, () => void>();
  private disposed = false;
  /** How many queries were started (tests see that nothing was asked). */
  queries = 0;
  /** Of those, how many because the editor or the cursor moved (not because the index changed). */
  followQueries = 0;

  constructor(private readonly access: LoreWorkspace, private readonly log?: (line: string) => void) {}

  /** The message shown above the tree (empty states), or undefined. */
  get message(): string | undefined {
    return this.text;
  }

  /** The view's description: which document and section are shown. */
  get description(): string | undefined {
    const r = this.current?.result;
    if (!r) return this.isPinned ? 'pinned' : undefined;
    const section = r.section ? sectionOf({ headingPath: r.section.headingPath, title: r.title }) : '';
    const name = path.posix.basename(r.path);
    return `${this.isPinned ? 'Pinned: ' : ''}${name}${section && section !== '(top)' ? ` › ${section}` : ''}`;
  }

  get pinned(): boolean {
    return this.isPinned;
  }

  /** The result shown, its document and the line asked about. */
  get shown(): { result: RelatedResult; uri: vscode.Uri; line: number } | undefined {
    const c = this.current;
    return c ? { result: c.result, uri: c.target.uri, line: c.target.line } : undefined;
  }

  /** Whether a query is waiting (debounce, throttle) or running. */
  get busy(): boolean {
    return !!(this.inflight || this.debounce || this.throttle);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (!visible) return;
    if (this.isPinned) {
      if (this.stale && this.target) void this.query(this.target);
    } else {
      this.follow(vscode.window.activeTextEditor, 0);
    }
  }

  pin(): void {
    if (this.isPinned) return;
    this.isPinned = true;
    this.clearDebounce();
    void vscode.commands.executeCommand('setContext', PINNED_CONTEXT, true);
    this.stateChanged.fire();
  }

  unpin(): void {
    if (!this.isPinned) return;
    this.isPinned = false;
    void vscode.commands.executeCommand('setContext', PINNED_CONTEXT, false);
    this.stateChanged.fire();
    this.follow(vscode.window.activeTextEditor, 0);
  }

  /**
   * The active editor changed or its cursor moved: look again after `delay` ms, unless pinned, or
   * the cursor is still in the section shown (of the same document, the index unchanged since).
   */
  follow(editor: vscode.TextEditor | undefined, delay = SELECTION_DEBOUNCE_MS): void {
    if (this.isPinned || this.disposed) return;
    if (!this.visible) {
      this.stale = true;
      return;
    }
    // Focus in a webview beside it (the markdown preview) or a panel: the document shown is still on screen.
    const shownUri = this.target?.uri.toString();
    if (!editor && shownUri && vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === shownUri)) return;
    const why = notFollowed(editor);
    if (why || !editor) {
      // Another kind of editor (or none): the list of the last markdown file would mislead.
      this.clearDebounce();
      this.abort();
      this.target = undefined;
      if (this.text !== why || this.current) this.show(undefined, why);
      return;
    }
    const target: RelatedTarget = { uri: editor.document.uri, line: editor.selection.active.line + 1 };
    if (!this.needsQuery(target, editor.document)) {
      this.clearDebounce(); // back in the section shown before a pending look fired
      return;
    }
    this.clearDebounce();
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      // Where the cursor is now, not where it was when the timer started.
      const now = vscode.window.activeTextEditor;
      if (this.isPinned || !now || now.document.uri.toString() !== target.uri.toString()) return this.follow(now, 0);
      const at = { uri: now.document.uri, line: now.selection.active.line + 1 };
      if (this.needsQuery(at, now.document)) {
        if (this.needsQuery(at, now.document, false)) this.followQueries++;
        void this.query(at);
      }
    }, delay);
  }

  /** Whether the view must ask again for `t` (`stale`: also because the index changed meanwhile). */
  private needsQuery(t: RelatedTarget, doc?: vscode.TextDocument, stale = this.stale): boolean {
    if (!this.target || this.target.uri.toString() !== t.uri.toString()) return true;
    // Still asking about this document: a move within the section asked about waits for the answer
    // (restarting on every move, a slow index would never answer; the answer is checked against the
    // cursor, and the index, when it comes: settle). Which section the index will say is not known
    // yet: a heading between the two lines means another one.
    if (this.inflight) return !doc || headingBetween(doc, this.target.line, t.line);
    if (stale) return true;
    // Not indexed (or the index not open): the same document asks again when the index changes.
    if (!this.current) return false;
    const c = this.current.covered;
    return !c || t.line < c.from || t.line > c.to;
  }

  /** The index of a folder changed: query what is shown again, at most once a second. */
  indexChanged(): void {
    if (this.disposed) return;
    this.stale = true;
    if (!this.visible || this.throttle) return;
    const wait = Math.max(0, INDEX_THROTTLE_MS - (Date.now() - this.lastIndexQuery));
    this.throttle = setTimeout(() => {
      this.throttle = undefined;
      this.lastIndexQuery = Date.now();
      if (!this.visible) return;
      // A query running now is left to finish (restarted on every change, it would never answer
      // while the index is busy); it looks again once it has, the index having changed (settle).
      if (this.inflight) return;
      if (this.target) void this.query(this.target, true);
      else if (!this.isPinned) this.follow(vscode.window.activeTextEditor, 0);
    }, wait);
  }

  /** Keeps one onStatusChange subscription per open index (indexes open and close over time). */
  syncIndexes(): void {
    const open = new Set(this.access.lores().map((l) => l.lore));
    let added = false;
    for (const [lore, off] of this.subscriptions) {
      if (!open.has(lore)) {
        off();
        this.subscriptions.delete(lore);
      }
    }
    for (const lore of open) {
      if (this.subscriptions.has(lore)) continue;
      this.subscriptions.set(lore, lore.onStatusChange(() => this.indexChanged()));
      added = true;
    }
    // An index that just opened may hold the document waiting to be shown.
    if (added || (this.target && !this.current)) this.indexChanged();
  }

  /** Asks the index of the folder holding `t` (cancelling a query still running). */
  async query(t: RelatedTarget, quiet = false): Promise<void> {
    this.abort();
    this.stale = false;
    const ac = new AbortController();
    this.inflight = ac;
    this.queries++;
    const sameDoc = this.target?.uri.toString() === t.uri.toString();
    this.target = t;
    try {
      const err = this.access.openError();
      if (err) return this.show(undefined, `The index cannot open: ${err.message}`);
      if (!this.access.isReady()) return this.show(undefined, 'Lore is still opening the index…');
      const at = this.access.locate(t.uri);
      if (!at) return this.show(undefined, 'This file is outside the workspace folders Lore indexes.');
      const r = await at.lore.related(at.rel, { line: t.line, limit: SIMILAR_LIMIT, linkLimit: LINK_LIMIT, signal: ac.signal });
      if (ac.signal.aborted) return;
      if (!r) return this.show(undefined, `${at.rel} is not indexed (yet): its related passages and links appear once Lore has indexed it. Excluded files (lore.exclude, .gitignore, node_modules) never are.`);
      const covered = r.section ? { from: Math.min(r.section.startLine, t.line), to: Math.max(r.section.endLine, t.line) } : undefined;
      this.show({ result: r, target: t, folderUri: at.folder.uri, covered }, undefined, quiet && sameDoc);
    } catch (err) {
      if (ac.signal.aborted || this.disposed) return;
      this.log?.(`Related view: ${errorMessage(err)}`);
      this.show(undefined, `Cannot find related passages: ${errorMessage(err)}`);
    } finally {
      if (this.inflight === ac) {
        this.inflight = undefined;
        if (!ac.signal.aborted) this.settle(t);
      }
    }
  }

  /**
   * A query answered: if the index changed while it ran, ask again (throttled); else if the cursor
   * moved on meanwhile (moves within the section wait for the answer), look again from where it is.
   */
  private settle(asked: RelatedTarget): void {
    if (!this.visible || this.disposed) return;
    if (this.stale) return this.indexChanged();
    if (this.isPinned) return;
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.uri.toString() === asked.uri.toString() && editor.selection.active.line + 1 !== asked.line) this.follow(editor, 0);
  }

  private show(shown: Shown | undefined, message: string | undefined, unlessSame = false): void {
    if (this.disposed) return;
    // An index change that changed nothing here leaves the tree alone (no flicker while embedding).
    if (unlessSame && shown && this.current && sameResult(shown.result, this.current.result) && this.text === message) {
      this.current = shown; // the same list, for the line asked about now
      return;
    }
    this.current = shown;
    this.text = message;
    this.changed.fire(undefined);
    this.stateChanged.fire();
  }

  private abort(): void {
    this.inflight?.abort();
    this.inflight = undefined;
  }

  private clearDebounce(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = undefined;
  }

  getChildren(node?: RelatedNode): RelatedNode[] {
    const c = this.current;
    if (!c) return []; // the message says why
    const r = c.result;
    const uriOf = (rel: string) => vscode.Uri.joinPath(c.folderUri, ...rel.split('/'));
    if (!node) return (['similar', 'linksTo', 'linksFrom'] as const).map((group) => ({ kind: 'group', group }));
    if (node.kind !== 'group') return [];
    switch (node.group) {
      case 'similar':
        return r.similar.passages.length
          ? r.similar.passages.map((passage) => ({ kind: 'similar', passage, uri: uriOf(passage.path) }))
          : [{ kind: 'empty', group: 'similar', label: r.similar.method === 'none' ? `Nothing to compare: ${r.similar.reason}` : 'No similar passages in other documents' }];
      case 'linksTo':
        return r.linksTo.length ? r.linksTo.map((link) => ({ kind: 'backlink', link, uri: uriOf(link.path) })) : [{ kind: 'empty', group: 'linksTo', label: 'No document links here' }];
      case 'linksFrom':
        return r.linksFrom.length
          ? r.linksFrom.map((link) => ({ kind: 'outgoing', link, source: c.target.uri, uri: link.path !== undefined ? uriOf(link.path) : undefined }))
          : [{ kind: 'empty', group: 'linksFrom', label: 'No links to other files' }];
    }
  }

  getTreeItem(node: RelatedNode): vscode.TreeItem {
    return relatedItem(node, this.current!.result);
  }

  dispose(): void {
    this.disposed = true;
    this.abort();
    this.clearDebounce();
    if (this.throttle) clearTimeout(this.throttle);
    this.throttle = undefined;
    for (const off of this.subscriptions.values()) off();
    this.subscriptions.clear();
    this.changed.dispose();
    this.stateChanged.dispose();
  }
}

/** Whether a markdown heading starts on a line after the first of lines a and b, up to the second (1-based): they are in different sections. */
function headingBetween(doc: vscode.TextDocument, a: number, b: number): boolean {
  const last = Math.min(Math.max(a, b), doc.lineCount);
  for (let line = Math.min(a, b) + 1; line <= last; line++) if (/^ {0,3}#{1,6}(?:\s|$)/.test(doc.lineAt(line - 1).text)) return true;
  return false;
}

function sameResult(a: RelatedResult, b: RelatedResult): boolean {
  return JSON.stringify({ ...a, tookMs: 0 }) === JSON.stringify({ ...b, tookMs: 0 });
}

/** Opens `uri` at a 1-based line; without a line (an image, another file), as VS Code opens it. */
export async function openAtLine(uri: vscode.Uri, line?: number): Promise<void> {
  if (line === undefined) {
    await vscode.commands.executeCommand('vscode.open', uri);
    return;
  }
  await openAt(uri, line);
}

/** Creates the Related view (lore.related), wires it to the editors and the indexes, and registers its commands. */
export function registerRelatedView(access: LoreWorkspace, log?: (line: string) => void): { provider: RelatedTreeProvider; disposables: vscode.Disposable[] } {
  const provider = new RelatedTreeProvider(access, log);
  const view = vscode.window.createTreeView('lore.related', { treeDataProvider: provider });
  const sync = () => {
    view.message = provider.message;
    view.description = provider.description;
  };
  sync();
  void vscode.commands.executeCommand('setContext', PINNED_CONTEXT, false);
  provider.setVisible(view.visible);
  provider.syncIndexes();
  const disposables: vscode.Disposable[] = [
    provider,
    view,
    provider.onDidChangeState(sync),
    view.onDidChangeVisibility((e) => provider.setVisible(e.visible)),
    vscode.window.onDidChangeActiveTextEditor((e) => provider.follow(e)),
    vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && provider.follow(e.textEditor)),
    access.onDidChange(() => provider.syncIndexes()),
    vscode.commands.registerCommand(PIN, () => provider.pin()),
    vscode.commands.registerCommand(UNPIN, () => provider.unpin()),
    vscode.commands.registerCommand(OPEN_AT_LINE, (uri: vscode.Uri, line?: number) => openAtLine(uri, line)),
  ];
  return { provider, disposables };
}
