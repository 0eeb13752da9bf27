import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { alsoIn } from '../../core/search/group';
import { SEARCH_MODES } from '../../core/search/input';
import type { SearchMode, SearchOptions } from '../../core/search/types';
import type { Ctx } from '../context';
import type { MergedResult, MergedSearchResponse } from '../loreAccess';
import { memoryValueText } from '../../core/memory/format';
import type { MemoryHit } from '../../core/memory/types';
import { openAt } from '../open';
import { activeFilePath } from '../openFiles';
import { isAbort, requireReady, showError } from '../progress';
import { displaySnippet, oneLine, partialResults, sectionOf } from '../views/searchTree';

export interface SearchArgs {
  mode?: SearchMode;
  k?: number;
  /** Open the n-th result (0-based) after searching. */
  open?: number;
}

type Item = vscode.QuickPickItem & { result?: MergedResult; memory?: MemoryHit };

const TYPE_DEBOUNCE_MS = 150;

function searchOptions(c: Ctx, over: SearchArgs = {}): SearchOptions {
  const cfg = c.config();
  return { k: over.k ?? cfg.search.resultCount, mode: over.mode ?? c.searchMode ?? cfg.search.defaultMode, fusion: cfg.search.fusion, fromPath: activeFilePath() };
}

/** Runs a search, shows it in the Search view and records it in this window's history. */
export async function runSearch(c: Ctx, query: string, args: SearchArgs = {}): Promise<MergedSearchResponse> {
  // explain: the Search view's tooltips say why each result ranks where it does.
  const opts = { ...searchOptions(c, args), perDocument: 3, explain: true };
  const response = await c.access.search(query, opts);
  c.searchTree.show(response, c.access.lores().length > 1);
  c.history.search(query, response.mode, opts.k ?? 10, response.results.length);
  if (args.open !== undefined && response.results[args.open]) await openResult(c, response.results[args.open]);
  return response;
}

/** Opens a result at its line, revealing the chunk's range, and records it. */
export async function openResult(c: Ctx, r: MergedResult): Promise<vscode.TextEditor | undefined> {
  try {
    const editor = await openAt(r.uri, r.startLine, r.endLine);
    c.history.open(r.path, r.startLine, r.title, c.access.lores().length > 1 ? r.folder : undefined);
    return editor;
  } catch (err) {
    void vscode.window.showErrorMessage(`Lore: cannot open ${r.path}: ${errorMessage(err)}`);
    return undefined;
  }
}

function toItem(r: MergedResult, multi: boolean): Item {
  return {
    label: `${r.stale ? '$(warning) ' : '$(file) '}${r.title}`,
    description: [r.headingPath && sectionOf(r) !== r.title ? sectionOf(r) : '', `${multi ? `${r.folder}/` : ''}${r.path}:${r.startLine}`, r.translations ? alsoIn(r.translations) : '', r.stale ? 'stale' : ''].filter(Boolean).join(' · '),
    detail: displaySnippet(r, 200),
    alwaysShow: true,
    result: r,
  };
}

function memoryItem(h: MemoryHit): Item {
  return { label: `$(lightbulb) ${h.entry.namespace} ${h.entry.key}`, description: `memory · v${h.entry.version}`, detail: oneLine(memoryValueText(h.entry), 200), alwaysShow: true, memory: h };
}

/** Memories first (under their own separator), then the documents' results. */
function itemsOf(r: MergedSearchResponse, multi: boolean): Item[] {
  const docs = r.results.map((x) => toItem(x, multi));
  if (!r.memories?.length) return docs;
  const sep = (label: string): Item => ({ label, kind: vscode.QuickPickItemKind.Separator });
  return [sep('Memories'), ...r.memories.map(memoryItem), ...(docs.length ? [sep('Documents'), ...docs] : [])];
}

/** The search-as-you-type quick pick. Resolves with the last response shown (undefined if none). */
export function pickSearch(c: Ctx, initial = ''): Promise<MergedSearchResponse | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<Item>();
    for (const prop of ['sortByLabel', 'matchOnLabel']) {
      try {
        (qp as unknown as Record<string, boolean>)[prop] = false; // keep the ranking (proposed API; may refuse)
      } catch {
        /* not available to this extension: items may be re-sorted by label match */
      }
    }
    const opts = searchOptions(c);
    qp.title = `Lore: Search (${opts.mode})`;
    qp.placeholder = 'Search the workspace docs: type words, or a question';
    qp.matchOnDescription = false;
    qp.matchOnDetail = false;
    const multi = c.access.lores().length > 1;
    let seq = 0;
    let timer: NodeJS.Timeout | undefined;
    let ac: AbortController | undefined;
    let last: MergedSearchResponse | undefined;
    let done = false;
    const run = async (value: string) => {
      const mine = ++seq;
      ac?.abort();
      if (!value.trim()) {
        qp.items = [];
        qp.busy = false;
        return;
      }
      ac = new AbortController();
      qp.busy = true;
      try {
        const r = await c.access.search(value, { ...opts, prefixLast: true, signal: ac.signal });
        if (mine !== seq) return;
        last = r;
        const items = itemsOf(r, multi);
        qp.items = items.length ? items : [{ label: `No results for "${value}"`, alwaysShow: true }];
        qp.title = `Lore: Search (${r.fallbackReason ? `${r.mode}: ${r.fallbackReason}` : opts.mode})${r.partial ? ` · ${partialResults(r.partial)}` : ''}`;
      } catch (err) {
        if (mine === seq && !isAbort(err)) qp.items = [{ label: `$(error) ${errorMessage(err)}`, alwaysShow: true }];
      } finally {
        if (mine === seq) qp.busy = false;
      }
    };
    const finish = (query: string) => {
      if (done) return;
      done = true;
      if (!last || last.query !== query || !query.trim()) return;
      // The live list took the last word as a prefix (the user was still typing it); the query they
      // settled on is searched as whole words for the Search view.
      const typed = last;
      void c.access.search(query, opts).then(
        (final) => {
          c.searchTree.show(final, multi);
          c.history.search(query, final.mode, opts.k ?? 10, final.results.length);
        },
        () => c.searchTree.show(typed, multi),
      );
    };
    qp.onDidChangeValue((v) => {
      clearTimeout(timer);
      timer = setTimeout(() => void run(v), TYPE_DEBOUNCE_MS);
    });
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0] ?? qp.activeItems[0];
      if (item?.memory) {
        // A memory has no file to open: its value goes to the clipboard, and the Memories view shows it.
        const text = memoryValueText(item.memory.entry);
        finish(qp.value);
        qp.hide();
        void vscode.env.clipboard.writeText(text).then(() => vscode.window.showInformationMessage(`Lore: copied ${item.memory!.entry.namespace} ${item.memory!.entry.key}: ${oneLine(text, 80)}`));
        void vscode.commands.executeCommand('lore.memories.focus');
        return;
      }
      if (!item?.result) return;
      finish(qp.value);
      qp.hide();
      void openResult(c, item.result);
    });
    qp.onDidHide(() => {
      clearTimeout(timer);
      ac?.abort();
      finish(qp.value);
      qp.dispose();
      resolve(last);
    });
    qp.value = initial;
    qp.show();
    if (initial) void run(initial);
  });
}

export function registerSearchCommands(c: Ctx): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;
  return [
    // lore.search [query] [args]: with a query, searches without UI (tests, other commands) and returns the response.
    reg('lore.search', async (query?: unknown, args?: SearchArgs) => {
      if (!requireReady(c.access)) return undefined;
      if (typeof query === 'string' && query.trim()) {
        try {
          return await runSearch(c, query, args);
        } catch (err) {
          showError('search failed', err);
          return undefined;
        }
      }
      return pickSearch(c, c.searchTree.last?.query ?? '');
    }),
    reg('lore.searchSelection', async (text?: unknown, args?: SearchArgs) => {
      if (!requireReady(c.access)) return undefined;
      const editor = vscode.window.activeTextEditor;
      const selected = typeof text === 'string' ? text : editor ? editor.document.getText(editor.selection) : '';
      const query = oneLine(selected, 300);
      if (!query) {
        void vscode.window.showInformationMessage('Lore: select some text to search for first.');
        return undefined;
      }
      return typeof text === 'string' ? runSearch(c, query, args) : pickSearch(c, query);
    }),
    reg('lore.openResult', (r: MergedResult) => (r ? openResult(c, r) : undefined)),
    reg('lore.searchView.searchAgain', () => vscode.commands.executeCommand('lore.search')),
    // lore.searchView.switchMode [mode]: picks keyword / semantic / hybrid and runs the last query again.
    reg('lore.searchView.switchMode', async (mode?: unknown) => {
      let next = SEARCH_MODES.includes(mode as SearchMode) ? (mode as SearchMode) : undefined;
      if (!next) {
        const current = c.searchMode ?? c.config().search.defaultMode;
        const pick = await vscode.window.showQuickPick(
          (Object.keys(DESCRIPTIONS) as SearchMode[]).map((m) => ({ label: m, description: m === current ? 'current' : DESCRIPTIONS[m] })),
          { title: 'Lore: search mode of the Search view' },
        );
        next = pick?.label as SearchMode | undefined;
      }
      if (!next) return undefined;
      c.searchMode = next;
      const last = c.searchTree.last?.query;
      if (last && c.access.isReady()) return runSearch(c, last, { mode: next });
      return undefined;
    }),
    reg('lore.rerunQuery', async (query?: unknown, mode?: unknown) => {
      if (typeof query !== 'string' || !requireReady(c.access)) return undefined;
      await vscode.commands.executeCommand('lore.search.focus');
      return runSearch(c, query, SEARCH_MODES.includes(mode as SearchMode) ? { mode: mode as SearchMode } : {});
    }),
  ];
}

/** The modes as the mode picker lists them, in this order. */
const DESCRIPTIONS: Record<SearchMode, string> = {
  hybrid: 'keyword and meaning combined',
  keyword: 'exact words and names',
  semantic: 'meaning (needs an embedding model)',
};
