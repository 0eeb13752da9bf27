import path from 'node:path';
import * as vscode from 'vscode';

/** The files open in the editor (tabs of every group) under `folder`, relative to it: indexed first. */
export function openFilesIn(folder: vscode.WorkspaceFolder): string[] {
  const out: string[] = [];
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      const uri = tab.input instanceof vscode.TabInputText ? tab.input.uri : undefined;
      if (uri?.scheme !== 'file') continue;
      const rel = path.relative(folder.uri.fsPath, uri.fsPath);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) out.push(rel.split(path.sep).join('/'));
    }
  }
  return out;
}

/** The active editor's file (absolute), the document the user is in: search ranks what it links to slightly higher. */
export function activeFilePath(): string | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri?.scheme === 'file' ? uri.fsPath : undefined;
}
