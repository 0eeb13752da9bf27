/**
 * The embedders that answer queries, one per vector space (`ollama:nomic-embed-text`,
 * `builtin:bge-small-en-v1.5`...): made from the configured settings when first asked for, failing
 * fast (one retry, a short timeout), and closed together when the settings change.
 */
import { createEmbedder } from './create';
import { ProcessEmbedder } from './processEmbedder';
import { DEFAULT_TIMEOUT_MS, type Embedder, type ResolvedEmbedderSettings } from './types';

export class QueryEmbedders {
  private readonly byModel = new Map<string, Embedder & { close?(): Promise<void> }>();

  /** Query timeout cap (ms): a search never waits longer for its vector. */
  constructor(private readonly queryTimeoutMs = 10_000) {}

  /** An embedder for queries in `model`'s space, or undefined when the settings cannot make one. */
  forModel(model: string, settings: ResolvedEmbedderSettings, target: ProcessEmbedder | undefined): Embedder | undefined {
    let e = this.byModel.get(model);
    if (e) return e;
    const [provider, ...rest] = model.split(':');
    if (provider === 'builtin') {
      // The built-in model answers queries in its own worker process (the target's, when it is the one).
      if (target?.id === model) return target;
      const { modelDir, modelPath, modelHub, threads } = settings;
      e = new ProcessEmbedder({ provider: 'builtin', builtinModel: rest.join(':'), modelDir, modelPath: settings.provider === 'builtin' ? modelPath : undefined, modelHub, threads });
    } else if (provider === 'ollama' || provider === 'openai') {
      const same = provider === settings.provider;
      const timeoutMs = Math.min(settings.timeoutMs ?? DEFAULT_TIMEOUT_MS, this.queryTimeoutMs);
      e = createEmbedder({ ...(same ? settings : {}), provider, model: rest.join(':'), retries: 1, timeoutMs });
    } else return undefined;
    this.byModel.set(model, e);
    return e;
  }

  /** Closes them all (the settings changed); the next query makes new ones. */
  reset(): void {
    for (const e of this.byModel.values()) void e.close?.();
    this.byModel.clear();
  }

  async close(): Promise<void> {
    await Promise.all([...this.byModel.values()].map((e) => e.close?.()));
  }
}
