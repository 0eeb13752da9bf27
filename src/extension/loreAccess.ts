import type * as vscode from 'vscode';
import type { Lore, LoreStatus } from '../core/service';
import type { SearchOptions, SearchResponse, SearchResult } from '../core/search/types';
import type { SessionStore } from '../core/storage/sessions';
import type { MemoryStore } from '../core/storage/memory';

/** One search hit of a multi-folder workspace: where it lives as a URI, and which folder's index found it. */
export type MergedResult = SearchResult & { uri: vscode.Uri; folder: string };

export interface MergedSearchResponse extends Omit<SearchResponse, 'results'> {
  results: MergedResult[];
}

/** The status of one workspace folder's index, named by its folder. */
export type FolderStatus = LoreStatus & { folder: string };

/**
 * What the rest of the extension (commands, views, chat, tools) sees of the indexes:
 * one Lore per workspace folder, opened after activation. Implemented by LoreWorkspace (lores.ts).
 */
export interface LoreAccess {
  /** Resolves once every workspace folder's index is open; rejects with a readable Error when one cannot open. */
  ready(): Promise<void>;
  isReady(): boolean;
  lores(): { folder: vscode.WorkspaceFolder; lore: Lore }[];
  /** Searches every folder's index and merges the results by score (best first, `k` in all). */
  search(query: string, opts?: SearchOptions): Promise<MergedSearchResponse>;
  /** The folder's Lore that holds `uri`, and the document's path relative to it (undefined outside every folder). */
  locate(uri: vscode.Uri): { folder: vscode.WorkspaceFolder; lore: Lore; rel: string } | undefined;
  /** The indexed text of the document at `uri` (whichever folder holds it), or undefined. */
  getDocument(uri: vscode.Uri, range?: { startLine?: number; endLine?: number }): ReturnType<Lore['getDocument']>;
  /** The workspace's session history (one file beside the indexes); undefined before an index opens. */
  sessions(): SessionStore | undefined;
  /** The workspace's durable memory (in the same file); undefined before an index opens. */
  memory(): MemoryStore | undefined;
  /** Fires after a memory was written in this window. */
  onDidChangeMemory: vscode.Event<void>;
  status(): Promise<FolderStatus[]>;
  /** Fires (throttled) when indexes open/close, indexing progresses or counts change. */
  onDidChange: vscode.Event<void>;
}

/** Thrown (as the rejection of ready() and of calls made too early) while the indexes are still opening. */
export const STILL_OPENING = 'Lore is still opening the index';
