// What a caller may ask of a search, shared by the surfaces that check user input against it
// (the language-model tools, the MCP server, their JSON schemas in schema/tools).
import type { FusionMethod, SearchMode } from './types';

export const SEARCH_MODES = ['keyword', 'semantic', 'hybrid'] as const satisfies readonly SearchMode[];

/** How hybrid search fuses its two lists; the first is the default. */
export const FUSION_METHODS = ['agreement', 'rrf', 'weighted'] as const satisfies readonly FusionMethod[];

/** The most passages one tool call may ask for, and how many it gets when it does not say. */
export const MAX_K = 50;
export const DEFAULT_K = 8;
