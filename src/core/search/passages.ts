/**
 * Passages: search hits with the text a reader gets (the whole matched chunk, not the snippet),
 * fitted to a budget of characters. The one fitter every host uses: the chat participant, the
 * language-model tools and the MCP server.
 */
import { LoreError } from '../errors';
import type { SearchOptions, SearchResponse, SearchResult } from './types';

/** One retrieved chunk, with the text the model (or the user) gets to read. */
export interface Passage {
  /** Workspace-relative, '/'-separated (a host may prefix the folder name in a multi-root workspace). */
  path: string;
  title: string;
  /** "Guide > Install > Linux"; empty before the first heading. */
  headingPath: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
  score: number;
  /** The file changed on disk since it was indexed. */
  stale: boolean;
  documentType: string;
  /** Set when fitting cut the text short (it then ends in CUT_MARK). */
  truncated?: boolean;
}

export interface PassageFit<P extends Passage> {
  /** The passages that fit, in the given order, some with their text cut short. */
  passages: P[];
  /** How many passages had to be left out entirely. */
  omitted: number;
  /** How many kept passages were cut short. */
  truncated: number;
  /** Characters used: passage text plus each passage's overhead. */
  chars: number;
}

export interface FitOptions<P extends Passage> {
  /** One passage never takes more than this many characters of text (default: a third of the budget, at least 800). */
  perPassageMax?: number;
  /** Below this much room, the next passage is not started (default 200; a shorter passage that fits whole still is). */
  minUseful?: number;
  /** Characters a passage costs besides its text (its header line in the host's format), counted against the budget. */
  overhead?: (p: P, index: number) => number;
}

/** The marker a cut text ends with. */
export const CUT_MARK = '\n[…]';

/** Characters of text per token, for budgets given in tokens (English prose and markdown: about 3.5). */
export const CHARS_PER_TOKEN = 3.5;

export function charsForTokens(tokens: number): number {
  return Math.floor(tokens * CHARS_PER_TOKEN);
}

/**
 * Characters of passages for a chat model's prompt, from its input window: room is left for the
 * instructions, the question, some history and the answer; at least 2,000, at most `cap`.
 */
export function budgetForModelWindow(maxInputTokens: number | undefined, cap = 24_000): number {
  const tokens = maxInputTokens && maxInputTokens > 0 ? maxInputTokens : 8_000;
  return Math.max(2_000, Math.min(cap, charsForTokens(Math.max(0, tokens - 2_000))));
}

/** Characters a tool result may take, from the caller's token budget (1,000 to 48,000), or `fallback`. */
export function budgetForToolCall(tokenBudget: number | undefined, fallback = 12_000): number {
  if (!tokenBudget || tokenBudget <= 0) return fallback;
  return Math.max(1_000, Math.min(48_000, charsForTokens(tokenBudget)));
}

/** Cuts text to at most `max` characters, at a line or word boundary when one is near, ending in CUT_MARK. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = Math.max(0, max - CUT_MARK.length);
  let cut = text.slice(0, room);
  const nl = cut.lastIndexOf('\n');
  const sp = cut.lastIndexOf(' ');
  const at = nl > room * 0.6 ? nl : sp > room * 0.8 ? sp : room;
  cut = cut.slice(0, at).trimEnd();
  return cut + CUT_MARK;
}

/**
 * Keeps passages, best first, until `budgetChars` is used. One passage never takes more than
 * `perPassageMax` characters of text; the last one is cut to the room left if at least
 * `minUseful` characters remain, otherwise it and the rest are left out. Never over the budget.
 */
export function fitPassages<P extends Passage>(passages: readonly P[], budgetChars: number, opts: FitOptions<P> = {}): PassageFit<P> {
  const perPassageMax = opts.perPassageMax ?? Math.max(800, Math.floor(budgetChars / 3));
  const minUseful = opts.minUseful ?? 200;
  const out: P[] = [];
  let used = 0;
  let truncated = 0;
  for (const [i, p] of passages.entries()) {
    const overhead = opts.overhead?.(p, i) ?? 0;
    const room = Math.min(perPassageMax, budgetChars - used - overhead);
    if (room <= 0 || room < Math.min(minUseful, p.text.length)) break;
    const text = cutText(p.text, room);
    if (text !== p.text) truncated++;
    out.push(text === p.text ? p : { ...p, text, truncated: true });
    used += text.length + overhead;
  }
  return { passages: out, omitted: passages.length - out.length, truncated, chars: used };
}

/** Reads a document's indexed lines (undefined when it is not indexed). */
export type ReadText = (path: string, startLine: number, endLine: number) => Promise<string | undefined> | string | undefined;

/**
 * A hit as a passage: the chunk's indexed lines when `readText` can give them (the whole
 * section, which is what a model should read), else the snippet.
 */
export async function toPassage(hit: SearchResult, readText: ReadText): Promise<Passage> {
  let text: string | undefined;
  try {
    text = await readText(hit.path, hit.startLine, hit.endLine);
  } catch {
    // The snippet is still worth showing when the document cannot be read back.
  }
  return {
    path: hit.path,
    title: hit.title,
    headingPath: hit.headingPath,
    startLine: hit.startLine,
    endLine: hit.endLine,
    text: text || hit.snippet,
    score: hit.score,
    stale: hit.stale,
    documentType: hit.documentType,
  };
}

/** "docs/adr/0003.md:12-30" */
export function lineLabel(p: Pick<Passage, 'path' | 'startLine' | 'endLine'>): string {
  return p.startLine === p.endLine ? `${p.path}:${p.startLine}` : `${p.path}:${p.startLine}-${p.endLine}`;
}

export interface PassageSearchOptions extends SearchOptions, Omit<FitOptions<Passage>, 'overhead'> {
  /** The budget in characters of passage text, or in tokens (CHARS_PER_TOKEN); default 8,000 characters. */
  budgetChars?: number;
  budgetTokens?: number;
}

export interface PassageResponse extends Omit<SearchResponse, 'results'>, PassageFit<Passage> {
  /** Results the search returned, before fitting. */
  total: number;
}

export const DEFAULT_PASSAGE_BUDGET = 8_000;

/** The budget in characters a caller asked for, in characters or tokens. */
export function passageBudgetOf(opts: Pick<PassageSearchOptions, 'budgetChars' | 'budgetTokens'>): number {
  if (opts.budgetChars !== undefined && opts.budgetTokens !== undefined) throw new LoreError('BAD_INPUT', 'Give the passage budget in characters or in tokens, not both.');
  const chars = opts.budgetChars ?? (opts.budgetTokens !== undefined ? charsForTokens(opts.budgetTokens) : DEFAULT_PASSAGE_BUDGET);
  if (!Number.isFinite(chars) || chars <= 0) throw new LoreError('BAD_INPUT', `The passage budget must be a positive number, not ${chars}.`);
  return chars;
}

/** Searches, reads each hit's whole chunk, and fits the passages to the budget, best first. */
export async function searchPassages(
  search: (query: string, opts: SearchOptions) => Promise<SearchResponse>,
  readText: ReadText,
  query: string,
  opts: PassageSearchOptions = {},
): Promise<PassageResponse> {
  const { budgetChars, budgetTokens, perPassageMax, minUseful, ...searchOpts } = opts;
  const budget = passageBudgetOf({ budgetChars, budgetTokens });
  const { results, ...response } = await search(query, searchOpts);
  const fit = fitPassages(await Promise.all(results.map((r) => toPassage(r, readText))), budget, { perPassageMax, minUseful });
  return { ...response, ...fit, total: results.length };
}
