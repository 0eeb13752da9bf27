import { LoreError } from '../errors';
import { OllamaEmbedder } from './ollama';
import { OpenAIEmbedder } from './openai';
import type { Embedder, EmbedderProvider, EmbedderSettings } from './types';

export function createEmbedder(settings: EmbedderSettings): Embedder {
  const { provider, ...rest } = settings;
  if (provider === 'openai') return new OpenAIEmbedder(rest);
  if (provider === 'ollama') return new OllamaEmbedder(rest);
  throw new LoreError('BAD_INPUT', `Unknown embedding provider "${String(provider)}" (use ollama or openai)`);
}

/**
 * The embedder the CLI and the MCP server use: flags first, then the environment variables
 * Ollama users already set (OLLAMA_HOST), LORE_EMBED_PROVIDER / LORE_EMBED_MODEL / LORE_EMBED_HOST.
 * `provider: 'none'` (flag or env) means keyword only.
 */
export function embedderFromEnv(
  flags: { provider?: string; host?: string; model?: string; timeoutMs?: number } = {},
  env: NodeJS.ProcessEnv = process.env,
): EmbedderSettings | null {
  const provider = (flags.provider ?? env.LORE_EMBED_PROVIDER ?? 'ollama').toLowerCase();
  if (provider === 'none' || provider === 'off' || provider === 'keyword') return null;
  if (provider !== 'ollama' && provider !== 'openai') {
    throw new LoreError('BAD_INPUT', `Unknown embedding provider "${provider}" (use ollama, openai or none)`);
  }
  const host = flags.host ?? env.LORE_EMBED_HOST ?? (provider === 'ollama' ? env.OLLAMA_HOST : env.OPENAI_BASE_URL);
  const timeout = flags.timeoutMs ?? (env.LORE_EMBED_TIMEOUT ? Number(env.LORE_EMBED_TIMEOUT) * 1000 : undefined);
  return {
    provider: provider as EmbedderProvider,
    host: host || undefined,
    model: flags.model ?? env.LORE_EMBED_MODEL ?? undefined,
    timeoutMs: timeout && Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
  };
}
