import * as vscode from 'vscode';

/** Opens a file at a 1-based line range, revealing and selecting the range's first line. */
export async function openAt(uri: vscode.Uri, startLine: number, endLine = startLine, preview = true): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const last = Math.max(0, doc.lineCount - 1);
  const start = Math.min(Math.max(0, startLine - 1), last);
  const end = Math.min(Math.max(start, endLine - 1), last);
  const range = new vscode.Range(start, 0, end, doc.lineAt(end).text.length);
  const editor = await vscode.window.showTextDocument(doc, { preview, selection: new vscode.Range(start, 0, start, 0) });
  editor.revealRange(range, vscode.TextEditorRevealType.AtTop);
  return editor;
}
