// Memory commands: Remember (a selection, or typed), Edit, Forget, Restore Version, Copy as
// Markdown, Export and Import. Each takes its input as arguments too (tests, keybindings, other
// extensions) and asks for what is missing.
import * as vscode from 'vscode';
import { memoryValueText } from '../../core/memory/format';
import { importItems, readImportPath, toMarkdown, writeExport } from '../../core/memory/transfer';
import { checkKey, checkNamespace, jsonOrText, type MemoryEntry, type MemoryType, namespaceSegment, valueFromText } from '../../core/memory/types';
import type { Ctx } from '../context';
import { requireReady, showError } from '../progress';
import type { MemoryNode } from '../views/memoryTree';

const BY = 'vscode';

/** "project:<workspace>" in namespace form: the default namespace for this workspace's memories. */
export function workspaceNamespace(name: string | undefined): string {
  return `project:${namespaceSegment(name ?? '', 'workspace')}`;
}

const valid = (check: (s: string) => string) => (s: string) => {
  try {
    check(s);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

interface RememberArgs {
  namespace?: string;
  key?: string;
  value?: unknown;
  type?: MemoryType;
}

const entryOf = (node: MemoryNode | undefined): MemoryEntry | undefined => (node && node.kind !== 'namespace' ? node.entry : undefined);

export function registerMemoryCommands(c: Ctx): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;
  const store = () => (requireReady(c.access) ? c.access.memory() : undefined);

  /** Asks for whatever `a` lacks (namespace, key, value), then writes a new version. */
  const remember = async (a: RememberArgs): Promise<MemoryEntry | undefined> => {
    const s = store();
    if (!s) return undefined;
    let namespace = a.namespace;
    if (!namespace) {
      const known = (await s.namespaces()).map((n) => n.namespace);
      const fallback = workspaceNamespace(vscode.workspace.name);
      const items = [...new Set([fallback, ...known])].map((label) => ({ label }));
      const qp = vscode.window.createQuickPick();
      qp.title = 'Lore: Remember (1/3): namespace';
      qp.placeholder = 'Where to keep it: pick one, or type a new one such as project:lore:deploy';
      qp.items = items;
      namespace = await new Promise<string | undefined>((resolve) => {
        qp.onDidAccept(() => resolve(qp.selectedItems[0]?.label ?? qp.value));
        qp.onDidHide(() => resolve(undefined));
        qp.onDidChangeValue((v) => (qp.items = v && !items.some((i) => i.label === v) ? [{ label: v }, ...items] : items));
        qp.show();
      });
      qp.dispose();
      if (!namespace) return undefined;
      const problem = valid(checkNamespace)(namespace);
      if (problem) return void vscode.window.showErrorMessage(`Lore: ${problem}`);
    }
    const key = a.key ?? (await vscode.window.showInputBox({ title: 'Lore: Remember (2/3): key', prompt: `A short name for it in ${namespace}`, placeHolder: 'staging-db', validateInput: valid(checkKey) }));
    if (!key) return undefined;
    let value = a.value;
    if (value === undefined) {
      const now = await s.recall(namespace, key);
      const typed = await vscode.window.showInputBox({
        title: 'Lore: Remember (3/3): what to remember',
        prompt: now ? `${namespace} ${key} holds version ${now.version}; this writes version ${now.version + 1}` : 'A sentence, or JSON for a structured fact',
        value: now ? memoryValueText(now) : '',
        validateInput: (v) => (v.trim() ? undefined : 'Write what to remember.'),
      });
      if (typed === undefined) return undefined;
      // Editing keeps the kind of value it was: JSON stays JSON (42 stays a number), text stays text.
      value = !now ? valueFromText(typed) : typeof now.value === 'string' ? typed.trim() : jsonOrText(typed);
    }
    try {
      const e = await s.remember(namespace, key, value, { by: BY, type: a.type });
      void vscode.window.showInformationMessage(`Lore remembered ${e.namespace} ${e.key} (version ${e.version}).`);
      return e;
    } catch (err) {
      showError('cannot remember that', err);
      return undefined;
    }
  };

  return [
    reg('lore.memory.remember', (arg?: RememberArgs | string) => remember(typeof arg === 'string' ? { value: arg } : (arg ?? {}))),
    reg('lore.memory.rememberSelection', async () => {
      const editor = vscode.window.activeTextEditor;
      const text = editor && editor.document.getText(editor.selection).trim();
      if (!text) return void vscode.window.showInformationMessage('Lore: select the text to remember first.');
      return remember({ value: text });
    }),
    reg('lore.memory.edit', async (node?: MemoryNode) => {
      const e = entryOf(node);
      if (e) return remember({ namespace: e.namespace, key: e.key, type: e.type });
      return undefined;
    }),
    reg('lore.memory.forget', async (node?: MemoryNode, opts?: { confirm?: boolean }) => {
      const e = entryOf(node);
      const s = store();
      if (!e || !s) return false;
      if (opts?.confirm !== false) {
        const ok = await vscode.window.showWarningMessage(`Forget ${e.namespace} ${e.key}?`, { modal: true, detail: 'Its versions stay in its history: Restore Version brings it back.' }, 'Forget');
        if (ok !== 'Forget') return false;
      }
      const done = await s.forget(e.namespace, e.key, { by: BY });
      if (done && opts?.confirm !== false) {
        void vscode.window.showInformationMessage(`Lore forgot ${e.namespace} ${e.key}.`, 'Undo').then(async (undo) => {
          if (undo) await s.restore(e.namespace, e.key, e.version, { by: BY });
        });
      }
      return done;
    }),
    // Every version, for good (the audit keeps that it happened): a modal asks unless told not to.
    reg('lore.memory.purge', async (node?: MemoryNode, opts?: { confirm?: boolean }) => {
      const e = entryOf(node);
      const s = store();
      if (!e || !s) return 0;
      if (opts?.confirm !== false) {
        const versions = (await s.history(e.namespace, e.key)).length;
        const ok = await vscode.window.showWarningMessage(`Delete ${e.namespace} ${e.key} for good?`, { modal: true, detail: `All ${versions} version(s) are deleted and cannot be restored.` }, 'Delete for Good');
        if (ok !== 'Delete for Good') return 0;
      }
      return s.purge(e.namespace, e.key, { by: BY });
    }),
    reg('lore.memory.restoreVersion', async (node?: MemoryNode) => {
      const e = entryOf(node);
      const s = store();
      if (!e || !s) return undefined;
      try {
        const back = await s.restore(e.namespace, e.key, e.version, { by: BY });
        void vscode.window.showInformationMessage(`Lore restored ${e.namespace} ${e.key} to version ${e.version}'s value (now version ${back.version}).`);
        return back;
      } catch (err) {
        showError('cannot restore that version', err);
        return undefined;
      }
    }),
    reg('lore.memory.copyAsMarkdown', async (node?: MemoryNode) => {
      const s = store();
      if (!s || !node) return undefined;
      const entries = node.kind === 'namespace' ? (await s.list(node.namespace)).filter((e) => e.namespace === node.namespace) : [node.entry];
      const text = [...toMarkdown(entries).values()].join('\n');
      await vscode.env.clipboard.writeText(text);
      void vscode.window.showInformationMessage(`Lore: copied ${entries.length} memor${entries.length === 1 ? 'y' : 'ies'} as markdown.`);
      return text;
    }),
    reg('lore.memory.export', async (target?: vscode.Uri, format?: 'json' | 'markdown') => {
      const s = store();
      if (!s) return undefined;
      const kind = format ?? (await vscode.window.showQuickPick([
        { label: 'JSON', description: 'one file, every memory (to move or back up)', value: 'json' as const },
        { label: 'Markdown', description: 'one file per namespace, to review or commit', value: 'markdown' as const },
      ], { title: 'Lore: Export Memories' }))?.value;
      if (!kind) return undefined;
      const to = target ?? (kind === 'json'
        ? await vscode.window.showSaveDialog({ title: 'Export Lore memories', filters: { JSON: ['json'] }, saveLabel: 'Export' })
        : (await vscode.window.showOpenDialog({ title: 'Folder for the markdown files', canSelectFolders: true, canSelectFiles: false, openLabel: 'Export here' }))?.[0]);
      if (!to) return undefined;
      try {
        const r = await writeExport(s, to.fsPath, kind);
        void vscode.window.showInformationMessage(`Lore exported ${r.entries} memories to ${to.fsPath}.`);
        return r.entries;
      } catch (err) {
        showError('cannot export the memories', err);
        return undefined;
      }
    }),
    reg('lore.memory.import', async (from?: vscode.Uri) => {
      const s = store();
      if (!s) return undefined;
      const src = from ?? (await vscode.window.showOpenDialog({ title: 'Import Lore memories', canSelectFolders: true, canSelectFiles: true, filters: { 'Lore memories': ['json', 'md'] }, openLabel: 'Import' }))?.[0];
      if (!src) return undefined;
      try {
        const r = await importItems(s, readImportPath(src.fsPath), { by: BY });
        void vscode.window.showInformationMessage(`Lore imported ${r.written} memories (${r.unchanged} already as they were).`);
        return r;
      } catch (err) {
        showError('cannot import those memories', err);
        return undefined;
      }
    }),
  ];
}
