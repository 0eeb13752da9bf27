import { DEFAULT_INCLUDE } from './index/files';
import { DEFAULT_PARSE_TIMEOUT_MS } from './index/parsePool';
import { DEFAULT_CHUNK_OPTIONS } from './types';

/** Settings the engine reads; every host maps its own configuration onto these. */
export interface LoreConfig {
  include: string[];
  exclude: string[];
  respectGitignore: boolean;
  /** Files larger than this many bytes are marked failed, not read. */
  maxFileSize: number;
  maxChunkChars: number;
  /** A file that takes longer than this to parse is marked failed (its parser is stopped and replaced). */
  parseTimeoutMs: number;
}

export const DEFAULT_CONFIG: LoreConfig = {
  include: DEFAULT_INCLUDE,
  exclude: [],
  respectGitignore: true,
  maxFileSize: 2 * 1024 * 1024,
  maxChunkChars: DEFAULT_CHUNK_OPTIONS.maxChunkChars,
  parseTimeoutMs: DEFAULT_PARSE_TIMEOUT_MS,
};

export function resolveConfig(partial: Partial<LoreConfig> = {}): LoreConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_CONFIG, ...defined };
}
