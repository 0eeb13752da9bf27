/**
 * Embedder settings from the environment, as the CLI reads them: LORE_EMBED_PROVIDER ('ollama' |
 * 'openai' | 'none'), LORE_EMBED_MODEL, OLLAMA_HOST (or LORE_EMBED_HOST), OPENAI_API_KEY.
 * undefined = nothing set (the service's default); null = keyword search only.
 */
export interface EnvEmbedderSettings {
  provider: 'ollama' | 'openai';
  host?: string;
  model?: string;
  apiKey?: string;
}

export function embedderFromEnv(env: NodeJS.ProcessEnv): EnvEmbedderSettings | null | undefined {
  const provider = env.LORE_EMBED_PROVIDER?.trim().toLowerCase();
  if (provider === 'none' || provider === 'off') return null;
  if (!provider && !env.LORE_EMBED_MODEL && !env.OLLAMA_HOST) return undefined;
  const p = provider === 'openai' ? 'openai' : 'ollama';
  return {
    provider: p,
    host: env.LORE_EMBED_HOST || (p === 'ollama' ? env.OLLAMA_HOST : env.OPENAI_BASE_URL) || undefined,
    model: env.LORE_EMBED_MODEL || undefined,
    apiKey: p === 'openai' ? env.OPENAI_API_KEY || undefined : undefined,
  };
}
