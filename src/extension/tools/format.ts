// Pure logic of Lore's language-model tools: checking their input, and writing their results as
// text sized to a budget, so a model's context is never flooded. No 'vscode' import.

import { DEFAULT_K, MAX_K, SEARCH_MODES } from '../../core/search/input';
import type { SearchMode } from '../../core/search/types';
import { fitPassages, lineLabel, type Passage } from '../../core/search/passages';

/** The tools' names: registered with vscode.lm.registerTool and declared in package.json. */
export const TOOL_NAMES = { search: 'lore_search', document: 'lore_get_document', related: 'lore_related', sessions: 'lore_sessions', remember: 'lore_remember', recall: 'lore_recall' } as const;

export interface SearchToolInput {
  query: string;
  k: number;
  mode: SearchMode;
  documentTypes?: string[];
  pathGlob?: string;
}

export interface DocumentToolInput {
  path: string;
  startLine?: number;
  endLine?: number;
}

export interface RelatedToolInput {
  path: string;
  line?: number;
}

export interface SessionsToolInput {
  query?: string;
  limit: number;
}

/** Bad tool input: the message is written for the model, so it can correct its call. */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}

/** The tool input as an object, or a message saying it must be one. */
export const obj = (raw: unknown): Record<string, unknown> => {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ToolInputError('The input must be a JSON object.');
  return raw as Record<string, unknown>;
};

/** A string field, trimmed ('' counts as absent); a message when it is not a string. */
export function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ToolInputError(`"${key}" must be a string.`);
  return v.trim() || undefined;
}

function optInt(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ToolInputError(`"${key}" must be a number.`);
  return Math.min(max, Math.max(min, Math.trunc(v)));
}

export function parseSearchInput(raw: unknown): SearchToolInput {
  const o = obj(raw);
  const query = optString(o, 'query');
  if (!query) throw new ToolInputError('"query" is required: the words or question to search the documents for.');
  const mode = (optString(o, 'mode') ?? 'hybrid') as SearchMode;
  if (!SEARCH_MODES.includes(mode)) throw new ToolInputError(`"mode" must be one of ${SEARCH_MODES.join(', ')}.`);
  const dt = o.document_type;
  let documentTypes: string[] | undefined;
  if (typeof dt === 'string' && dt.trim()) documentTypes = [dt.trim()];
  else if (Array.isArray(dt) && dt.every((x) => typeof x === 'string')) documentTypes = dt.map((x) => x.trim()).filter(Boolean);
  else if (dt !== undefined && dt !== null && dt !== '') throw new ToolInputError('"document_type" must be a string or a list of strings.');
  return {
    query,
    k: optInt(o, 'k', 1, MAX_K) ?? DEFAULT_K,
    mode,
    documentTypes: documentTypes?.length ? documentTypes : undefined,
    pathGlob: optString(o, 'path_glob'),
  };
}

export function parseDocumentInput(raw: unknown): DocumentToolInput {
  const o = obj(raw);
  const path = documentPath(o);
  const startLine = optInt(o, 'startLine', 1, Number.MAX_SAFE_INTEGER);
  const endLine = optInt(o, 'endLine', 1, Number.MAX_SAFE_INTEGER);
  if (startLine !== undefined && endLine !== undefined && endLine < startLine) {
    throw new ToolInputError('"endLine" must not be before "startLine".');
  }
  return { path, startLine, endLine };
}

export function parseRelatedInput(raw: unknown): RelatedToolInput {
  const o = obj(raw);
  return { path: documentPath(o), line: optInt(o, 'line', 1, Number.MAX_SAFE_INTEGER) };
}

/** The required `path` of a document as lore_search returns it ('/'-separated, no leading "./"). */
function documentPath(o: Record<string, unknown>): string {
  const path = optString(o, 'path');
  if (!path) throw new ToolInputError('"path" is required: the document\'s path relative to the workspace folder, as lore_search returns it.');
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

/** What a tool says when no folder's index holds the document asked for. */
export function notIndexedError(path: string): Error {
  return new Error(`No indexed document at "${path}". Use lore_search to find documents; paths are relative to the workspace folder, as lore_search returns them.`);
}

export function parseSessionsInput(raw: unknown): SessionsToolInput {
  const o = raw === undefined || raw === null ? {} : obj(raw);
  return { query: optString(o, 'query'), limit: optInt(o, 'limit', 1, 100) ?? 10 };
}

export interface SearchSummary {
  query: string;
  /** Retrieval actually used, and why it differs from the request (e.g. no embedder). */
  mode: string;
  fallbackReason?: string;
  total: number;
}

/**
 * The search tool's text result: a header, then numbered passages with file, lines, section, score
 * and stale flag. Never longer than `budgetChars`: passages are cut, then left out, to fit.
 */
export function formatSearchResult(summary: SearchSummary, passages: readonly Passage[], budgetChars: number): string {
  const header = `Lore search for "${summary.query}" (${summary.mode}${summary.fallbackReason ? `; ${summary.fallbackReason}` : ''})`;
  if (!passages.length) {
    return `${header}: no matching passages in the indexed documents. Try other words, or a broader mode/filter.`;
  }
  const trimmedNote = ' (trimmed to fit the context budget; use lore_get_document for a whole section)';
  const firstLineMax = header.length + trimmedNote.length + 40;
  const head = (p: Passage, i: number) => {
    const meta = [`score ${p.score.toFixed(3)}`, p.documentType && `type ${p.documentType}`, p.stale && 'STALE: the file changed since it was indexed'].filter(Boolean).join(', ');
    return `[${i + 1}] ${lineLabel(p)} — ${p.title}${p.headingPath ? ` > ${p.headingPath}` : ''} (${meta})`;
  };
  // Each block is its head, a newline, the text, and the blank line before the next block.
  const fit = fitPassages(
    passages.map((p) => ({ ...p, text: p.text.trim() })),
    budgetChars - firstLineMax - 2,
    { perPassageMax: Math.max(600, Math.floor(budgetChars / 4)), minUseful: 150, overhead: (p, i) => head(p, i).length + 3 },
  );
  const blocks = fit.passages.map((p, i) => `${head(p, i)}\n${p.text}`);
  const trimmed = fit.truncated > 0 || fit.omitted > 0;
  const first = `${header}: ${blocks.length} of ${summary.total} passages${trimmed ? trimmedNote : ''}.`;
  return [first, ...blocks].join('\n\n');
}

export interface DocumentLike {
  path: string;
  title: string;
  documentType: string;
  startLine: number;
  endLine: number;
  text: string;
  stale: boolean;
}

/** The document tool's text result, cut at a line to the budget with a note on how to read on. */
export function formatDocumentResult(doc: DocumentLike, budgetChars: number): string {
  const head = `${doc.path} — ${doc.title} (type ${doc.documentType}; lines ${doc.startLine}-${doc.endLine}${doc.stale ? '; STALE: the file changed since it was indexed' : ''})`;
  const room = Math.max(200, budgetChars - head.length - 200);
  if (doc.text.length <= room) return `${head}\n\n${doc.text}`;
  const kept = doc.text.slice(0, room);
  const cutAt = kept.lastIndexOf('\n');
  const body = cutAt > 0 ? kept.slice(0, cutAt) : kept;
  const lastLine = doc.startLine + body.split('\n').length - 1;
  return `${head}\n\n${body}\n\n[Truncated to fit the context budget after line ${lastLine}. Call lore_get_document again with startLine ${lastLine + 1} to read on.]`;
}

export function describeSearchInput(input: SearchToolInput): string {
  const filters = [input.documentTypes?.length && `type ${input.documentTypes.join('/')}`, input.pathGlob && `in ${input.pathGlob}`].filter(Boolean).join(', ');
  const q = input.query.length > 80 ? `${input.query.slice(0, 79)}…` : input.query;
  return `Searching Lore (${input.mode}) for "${q}"${filters ? ` (${filters})` : ''}`;
}
