import type * as vscode from 'vscode';
import type { SearchMode } from '../core/search/types';
import type { ExtensionConfig } from './config';
import type { WindowHistory } from './history';
import type { LoreWorkspace } from './lores';
import type { SearchTreeProvider } from './views/searchTree';

/** What commands and views share: the indexes, this window's history, the Search view's state. */
export interface Ctx {
  readonly extension: vscode.ExtensionContext;
  readonly access: LoreWorkspace;
  readonly history: WindowHistory;
  readonly searchTree: SearchTreeProvider;
  /** The Search view's mode when the user switched it (else the lore.search.defaultMode setting). */
  searchMode: SearchMode | undefined;
  config(): ExtensionConfig;
  log(line: string): void;
  /** Refreshes the views and the status bar; resolves once the status bar shows the current state. */
  refresh(): Promise<void>;
}
