// Retrieval shared by the @lore participant and the language-model tools: search across the
// workspace's folders, read each hit's indexed text, and turn cancellation tokens into AbortSignals.

import * as vscode from 'vscode';
import type { LoreAccess, MergedResult } from '../loreAccess';
import type { SearchOptions } from '../../core/search/types';
import type { MemoryHit } from '../../core/memory/types';
import type { RelatedOptions, RelatedResult } from '../../core/related/types';
import { type Passage, toPassage as passageOf } from '../../core/search/passages';

/** A passage that knows where it lives, so chat can link to it. */
export interface LocatedPassage extends Passage {
  uri: vscode.Uri;
  location: vscode.Location;
  /** How it relates to the open document, when it was found for one (shown to the model and the user). */
  relation?: string;
}

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('Cancelled.');
  }
}

/** An AbortSignal that aborts when the token is cancelled (dispose it when done). */
export function abortSignalFor(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const sub = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => sub.dispose() };
}

/** Resolves like `work`, or rejects with CancelledError as soon as the token is cancelled. */
export function unlessCancelled<T>(work: PromiseLike<T>, token: vscode.CancellationToken): Promise<T> {
  if (token.isCancellationRequested) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const sub = token.onCancellationRequested(() => {
      sub.dispose();
      reject(new CancelledError());
    });
    Promise.resolve(work).then(
      (v) => {
        sub.dispose();
        resolve(v);
      },
      (e) => {
        sub.dispose();
        reject(e);
      },
    );
  });
}

export function throwIfCancelled(token: vscode.CancellationToken): void {
  if (token.isCancellationRequested) throw new CancelledError();
}

/** How a result's path is shown: prefixed with its folder's name when several folders are open. */
export function displayPath(access: LoreAccess, r: Pick<MergedResult, 'path' | 'folder'>): string {
  return access.lores().length > 1 && r.folder ? `${r.folder}/${r.path}` : r.path;
}

/** The range of lines startLine..endLine (1-based, inclusive), ending at the end of the last line. */
export function lineRange(startLine: number, endLine: number, text?: string): vscode.Range {
  const lastLen = text !== undefined ? (text.split('\n').pop() ?? '').length : 0;
  return new vscode.Range(Math.max(0, startLine - 1), 0, Math.max(0, endLine - 1), lastLen);
}

export interface Retrieved {
  passages: LocatedPassage[];
  mode: string;
  fallbackReason?: string;
  /** The workspace's memories the query matches. */
  memories?: MemoryHit[];
}

export type RetrieveOptions = Pick<SearchOptions, 'k' | 'documentTypes' | 'pathGlob' | 'mode' | 'fromPath'>;

/**
 * Waits for the index, searches it (the token aborts the search), and reads each hit's indexed
 * lines so the model and the user see the whole chunk, not just the snippet.
 */
export async function retrieve(access: LoreAccess, query: string, opts: RetrieveOptions, token: vscode.CancellationToken): Promise<Retrieved> {
  await unlessCancelled(access.ready(), token);
  const abort = abortSignalFor(token);
  try {
    // The signal stops the search itself (semantic and hybrid modes embed the query first).
    const res = await unlessCancelled(access.search(query, { ...opts, signal: abort.signal }), token);
    throwIfCancelled(token);
    const passages = await Promise.all(res.results.map((r) => toPassage(access, r)));
    return { passages, mode: res.mode, fallbackReason: res.fallbackReason, memories: res.memories };
  } finally {
    abort.dispose();
  }
}

export async function toPassage(access: LoreAccess, r: MergedResult): Promise<LocatedPassage> {
  let exact = false;
  const p = await passageOf(r, async (_path, startLine, endLine) => {
    const text = (await access.getDocument(r.uri, { startLine, endLine }))?.text;
    exact = !!text;
    return text;
  });
  return {
    ...p,
    path: displayPath(access, r),
    uri: r.uri,
    location: new vscode.Location(r.uri, lineRange(r.startLine, r.endLine, exact ? p.text : undefined)),
  };
}

/** Lore.related for the document at `uri`, with how its paths are shown and where they live. */
export interface RelatedAt {
  folder: vscode.WorkspaceFolder;
  result: RelatedResult;
  /** A path of the result as the workspace shows it (prefixed with the folder's name when several are open). */
  show(p: string): string;
  /** The file of a path of the result. */
  uriOf(p: string): vscode.Uri;
}

/**
 * What relates to the document at `uri` (the section at `opts.line`), from the index of the folder
 * holding it; undefined when no folder holds it or it is not indexed. The token aborts the work.
 */
export async function relatedAt(access: LoreAccess, uri: vscode.Uri, opts: Omit<RelatedOptions, 'signal'>, token: vscode.CancellationToken): Promise<RelatedAt | undefined> {
  await unlessCancelled(access.ready(), token);
  const at = access.locate(uri);
  if (!at) return undefined;
  const abort = abortSignalFor(token);
  try {
    const result = await unlessCancelled(at.lore.related(at.rel, { ...opts, signal: abort.signal }), token);
    throwIfCancelled(token);
    if (!result) return undefined;
    return {
      folder: at.folder,
      result,
      show: (p) => displayPath(access, { path: p, folder: at.folder.name }),
      uriOf: (p) => vscode.Uri.joinPath(at.folder.uri, p),
    };
  } finally {
    abort.dispose();
  }
}
