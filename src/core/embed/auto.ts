/**
 * `auto`: Ollama when it answers with the configured model, else the built-in model, decided when
 * the embedder is configured and said in the status ("auto: Ollama is not running at ..., so the
 * built-in model"). An index that already has vectors keeps their provider: Ollama being down for
 * a while must not start re-embedding everything with another model (it stays degraded and
 * recovers when Ollama is back), and the built-in model is not dropped because Ollama appeared.
 */
import { errorMessage } from '../errors';
import { OllamaEmbedder, sameModel } from './ollama';
import type { EmbedderSettings, ResolvedEmbedderSettings } from './types';

/** How long auto waits for Ollama: a machine without it must not wait at every start. */
const ASK_MS = 1500;

export interface AutoChoice {
  settings: ResolvedEmbedderSettings;
  /** Why this provider, for the status. */
  note?: string;
}

export async function resolveProvider(settings: EmbedderSettings, signal?: AbortSignal, activeModel?: string): Promise<AutoChoice> {
  if (settings.provider !== 'auto') return { settings: settings as ResolvedEmbedderSettings };
  const ollama = new OllamaEmbedder({ host: settings.host, model: settings.model });
  if (activeModel === `ollama:${ollama.model}`) {
    return { settings: { ...settings, provider: 'ollama' }, note: `auto: this index's vectors are Ollama's ${ollama.model}` };
  }
  if (activeModel?.startsWith('builtin:')) {
    return { settings: { ...settings, provider: 'builtin' }, note: 'auto: this index\'s vectors are the built-in model\'s (set lore.embedding.provider to ollama to switch)' };
  }
  let why: string;
  try {
    const models = await ollama.listModels({ signal, timeoutMs: ASK_MS });
    if (models.some((m) => sameModel(m, ollama.model))) {
      return { settings: { ...settings, provider: 'ollama' }, note: `auto: Ollama answers at ${ollama.host} with ${ollama.model}` };
    }
    why = `Ollama at ${ollama.host} has no ${ollama.model}`;
  } catch (err) {
    why = /not running|ECONNREFUSED|fetch failed/i.test(errorMessage(err)) ? `Ollama is not running at ${ollama.host}` : `Ollama at ${ollama.host} did not answer (${errorMessage(err)})`;
  }
  return { settings: { ...settings, provider: 'builtin' }, note: `auto: ${why}, so the built-in model` };
}
