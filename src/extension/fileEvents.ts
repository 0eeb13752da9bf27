/**
 * VS Code's own file watcher as Lore's file events: it honours `files.watcherExclude`, and the
 * extension host keeps no second watch tree of its own (chokidar's, with a handle and a stat per
 * folder). Every created, changed or deleted path that may matter is passed on: markdown files the
 * filter indexes, folders it walks (a folder moved in or deleted is one event), `.gitignore` files.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { toRelative } from '../core/index/files';
import type { FileEventSource } from '../core/index/watcher';

/** A name with an extension that is not markdown: neither a file Lore indexes nor (likely) a folder. */
const OTHER_FILE = /\.(?!(md|markdown|mdx)$)[^./]+$/i;

export const vscodeFileEvents: FileEventSource = (filter, changed) => {
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(filter.root), '**/*'));
  const on = (uri: vscode.Uri) => {
    if (uri.scheme !== 'file') return;
    const rel = toRelative(filter.root, uri.fsPath);
    if (!rel || rel.startsWith('..')) return;
    const name = path.basename(rel);
    if (name === '.gitignore' || filter.indexes(rel) || (!OTHER_FILE.test(name) && filter.walksDir(rel))) changed(uri.fsPath);
  };
  const subscriptions = [watcher.onDidCreate(on), watcher.onDidChange(on), watcher.onDidDelete(on)];
  return {
    ready: Promise.resolve(),
    close: async () => {
      for (const s of subscriptions) s.dispose();
      watcher.dispose();
    },
  };
};
