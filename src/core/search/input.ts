// What a caller may ask of a search, shared by the surfaces that check user input against it
// (the language-model tools, the MCP server, their JSON schemas in schema/tools).
import { LoreError } from '../errors';
import { buildKeywordQuery } from './query';
import type { FusionMethod, SearchMode } from './types';
import { formatCount } from '../format';

export const SEARCH_MODES = ['keyword', 'semantic', 'hybrid'] as const satisfies readonly SearchMode[];

/** How hybrid search fuses its two lists; the first is the default. */
export const FUSION_METHODS = ['agreement', 'rrf', 'weighted'] as const satisfies readonly FusionMethod[];

/** The most passages one tool call may ask for, and how many it gets when it does not say. */
export const MAX_K = 50;
export const DEFAULT_K = 8;

/** The longest query text searched, and the most words (or quoted phrases) in it: what a person or a model asks fits easily. */
export const MAX_QUERY_CHARS = 1_000;
export const MAX_QUERY_WORDS = 64;

/** Refuses query text over the limits, with a message saying which and by how much (every host, before any work). */
export function checkQueryText(text: string): void {
  if (typeof text !== 'string') throw new LoreError('BAD_INPUT', 'The query must be text.');
  if (text.length > MAX_QUERY_CHARS) {
    throw new LoreError('BAD_INPUT', `The query is ${formatCount(text.length)} characters long; Lore searches at most ${formatCount(MAX_QUERY_CHARS)}. Shorten it to the words that matter.`);
  }
  const words = buildKeywordQuery(text).parts.length;
  if (words > MAX_QUERY_WORDS) throw new LoreError('BAD_INPUT', `The query has ${words} words; Lore searches at most ${MAX_QUERY_WORDS}. Shorten it to the words that matter.`);
}
