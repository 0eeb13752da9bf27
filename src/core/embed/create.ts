import { LoreError } from '../errors';
import { OnnxEmbedder } from './builtin/onnxEmbedder';
import { OllamaEmbedder } from './ollama';
import { OpenAIEmbedder } from './openai';
import { defaultModelDir } from './builtin/store';
import type { Embedder, EmbedderChoice, EmbedderSettings, ResolvedEmbedderSettings } from './types';

export function createEmbedder(settings: ResolvedEmbedderSettings): Embedder {
  const { provider, ...rest } = settings;
  if (provider === 'openai') return new OpenAIEmbedder(rest);
  if (provider === 'ollama') return new OllamaEmbedder(rest);
  if (provider === 'builtin') return new OnnxEmbedder(rest);
  throw new LoreError('BAD_INPUT', `Unknown embedding provider "${String(provider)}" (use builtin, ollama or openai; auto is resolved before)`);
}

/**
 * The embedder the CLI and the MCP server use: flags first, then the environment variables
 * Ollama users already set (OLLAMA_HOST), LORE_EMBED_PROVIDER / LORE_EMBED_MODEL / LORE_EMBED_HOST.
 * The default is `auto` (Ollama when it answers with the model, else the built-in model, whose
 * files live in the user's cache folder, or LORE_MODEL_DIR; LORE_MODEL_PATH names a folder that
 * already holds them). `provider: 'none'` (flag or env) means keyword only.
 */
export function embedderFromEnv(
  flags: { provider?: string; host?: string; model?: string; timeoutMs?: number } = {},
  env: NodeJS.ProcessEnv = process.env,
): EmbedderSettings | null {
  const provider = (flags.provider ?? env.LORE_EMBED_PROVIDER ?? 'auto').toLowerCase();
  if (provider === 'none' || provider === 'off' || provider === 'keyword') return null;
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new LoreError('BAD_INPUT', `Unknown embedding provider "${provider}" (use auto, builtin, ollama, openai or none)`);
  }
  const host = flags.host ?? env.LORE_EMBED_HOST ?? (provider === 'openai' ? env.OPENAI_BASE_URL : env.OLLAMA_HOST);
  const timeout = flags.timeoutMs ?? (env.LORE_EMBED_TIMEOUT ? Number(env.LORE_EMBED_TIMEOUT) * 1000 : undefined);
  const model = flags.model ?? env.LORE_EMBED_MODEL ?? undefined;
  return {
    provider: provider as EmbedderChoice,
    host: host || undefined,
    // --embed-model names the built-in model when the provider is builtin; with auto it is Ollama's.
    model: provider === 'builtin' ? undefined : model,
    builtinModel: (provider === 'builtin' ? model : undefined) ?? env.LORE_BUILTIN_MODEL ?? undefined,
    modelDir: defaultModelDir(env),
    modelPath: env.LORE_MODEL_PATH || undefined,
    timeoutMs: timeout && Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
  };
}

const PROVIDERS = ['auto', 'builtin', 'ollama', 'openai'] as const;
