import { Ollama } from 'ollama';
import {
  DEFAULT_BATCH_SIZE, DEFAULT_OLLAMA_HOST, DEFAULT_OLLAMA_MODEL, DEFAULT_TIMEOUT_MS,
  type EmbedOptions, type Embedder, EmbedderError, type EmbedderSettings, type PreflightReport,
} from './types';
import { callWithPolicy, checkVectors, isTimeout, isUnreachable, normalise, seconds, taskPrefix, truncateForContext } from './util';

/** Preflight answers fast or not at all: a missing Ollama must not hold up a CLI for minutes. */
const PREFLIGHT_CONNECT_MS = 3000;

/** Ollama's /api/embed through the official `ollama` client. */
export class OllamaEmbedder implements Embedder {
  readonly provider = 'ollama' as const;
  readonly host: string;
  readonly model: string;
  private dims: number | undefined;
  private contextLength: number | undefined;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly attempts: number;

  constructor(private readonly settings: Omit<EmbedderSettings, 'provider'> = {}) {
    this.host = (settings.host || DEFAULT_OLLAMA_HOST).replace(/\/+$/, '');
    this.model = settings.model || DEFAULT_OLLAMA_MODEL;
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.batchSize = Math.max(1, settings.batchSize ?? DEFAULT_BATCH_SIZE);
    this.attempts = Math.max(1, settings.retries ?? 3);
  }

  get id(): string {
    return `ollama:${this.model}`;
  }

  get dimensions(): number | undefined {
    return this.dims;
  }

  /** A client whose every request carries this call's signal (the client's own abort() covers streams only). */
  private client(signal: AbortSignal): Ollama {
    return new Ollama({ host: this.host, fetch: (input, init) => fetch(input, { ...init, signal }) });
  }

  async listModels(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string[]> {
    const res = await this.call((c) => c.list(), opts.signal, opts.timeoutMs ?? this.timeoutMs, 1);
    return res.models.map((m) => m.name);
  }

  async preflight(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<PreflightReport> {
    const t0 = performance.now();
    const quick = Math.min(PREFLIGHT_CONNECT_MS, opts.timeoutMs ?? this.timeoutMs);
    const { version } = await this.call((c) => c.version(), opts.signal, quick, 1);
    const names = await this.listModels({ signal: opts.signal, timeoutMs: quick });
    if (!names.some((n) => sameModel(n, this.model))) throw this.modelMissing();
    const show = await this.call((c) => c.show({ model: this.model }), opts.signal, quick, 1);
    const info = (show.model_info ?? {}) as unknown as Record<string, unknown>;
    const declared = numberEndingWith(info, '.embedding_length');
    this.contextLength = numberEndingWith(info, '.context_length') ?? this.contextLength;
    // One real embedding: the first call loads the model, which is what can be slow on a CPU.
    const [probe] = await this.embedRaw(['lore preflight'], 'query', opts.signal, opts.timeoutMs ?? this.timeoutMs, 1);
    if (declared && probe.length !== declared) {
      throw new EmbedderError('bad-response', `model ${this.model} says it has ${declared} dimensions but returned ${probe.length}`);
    }
    this.dims = probe.length;
    return {
      provider: 'ollama', host: this.host, model: this.model, dimensions: probe.length,
      contextLength: this.contextLength, serverVersion: version, ms: Math.round(performance.now() - t0),
    };
  }

  async embed(texts: string[], opts: EmbedOptions): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts.slice(i, i + this.batchSize);
      const vectors = await this.embedRaw(batch, opts.kind, opts.signal, this.timeoutMs, this.attempts);
      for (const v of vectors) out.push(normalise(v));
    }
    return out;
  }

  private async embedRaw(texts: string[], kind: EmbedOptions['kind'], signal: AbortSignal | undefined, timeoutMs: number, attempts: number): Promise<number[][]> {
    const prefix = taskPrefix(this.model, kind, this.settings);
    const input = texts.map((t) => truncateForContext(prefix + t, this.contextLength));
    const res = await this.call((c) => c.embed({ model: this.model, input, truncate: true }), signal, timeoutMs, attempts);
    const vectors = checkVectors(res?.embeddings, texts.length, this.dims, this.model);
    this.dims ??= vectors[0]?.length;
    return vectors;
  }

  private call<T>(fn: (c: Ollama) => Promise<T>, signal: AbortSignal | undefined, timeoutMs: number, attempts: number): Promise<T> {
    return callWithPolicy((s) => fn(this.client(s)), {
      signal, timeoutMs, attempts,
      classify: (err, timedOut) => this.classify(err, timedOut, timeoutMs),
    });
  }

  private modelMissing(): EmbedderError {
    return new EmbedderError('model-missing', `model ${this.model} is not pulled: run \`ollama pull ${this.model}\``, {
      fix: { kind: 'command', value: `ollama pull ${this.model}`, label: `Pull ${this.model}` },
    });
  }

  private classify(err: unknown, timedOut: boolean, timeoutMs: number): EmbedderError {
    if (timedOut || isTimeout(err)) {
      return new EmbedderError('timeout', `Ollama at ${this.host} timed out after ${seconds(timeoutMs)} s (CPU-only Ollama can be slow: raise lore.embedding.timeout)`, {
        transient: true, cause: err, fix: { kind: 'setting', value: 'lore.embedding.timeout', label: 'Raise the timeout' },
      });
    }
    if (isUnreachable(err)) {
      return new EmbedderError('unreachable', `Ollama is not running at ${this.host} (start it with \`ollama serve\`, or set OLLAMA_HOST / lore.embedding.host)`, {
        transient: true, cause: err, fix: { kind: 'command', value: 'ollama serve', label: 'Start Ollama' },
      });
    }
    const status = (err as { status_code?: number }).status_code;
    const message = err instanceof Error ? err.message : String(err);
    if (status === 404 && /model/i.test(message)) return this.modelMissing();
    if (status === 404) return new EmbedderError('bad-response', `Ollama at ${this.host} answered 404 (${message}); is this an Ollama server?`, { status });
    if (status === 400) return new EmbedderError('http', `Ollama refused the input (400): ${message}`, { status, inputProblem: true });
    if (status === 401 || status === 403) return new EmbedderError('auth', `Ollama at ${this.host} refused access (${status}): ${message}`, { status });
    if (status && (status >= 500 || status === 429)) {
      return new EmbedderError('http', `Ollama at ${this.host} failed (${status}): ${message}`, { status, transient: true });
    }
    if (status) return new EmbedderError('http', `Ollama at ${this.host} answered ${status}: ${message}`, { status });
    return new EmbedderError('bad-response', `Ollama at ${this.host} gave an unusable answer: ${message}`, { cause: err });
  }
}

/** "nomic-embed-text" is "nomic-embed-text:latest". */
export function sameModel(a: string, b: string): boolean {
  const norm = (s: string) => (s.includes(':') ? s : `${s}:latest`);
  return norm(a) === norm(b);
}

function numberEndingWith(info: Record<string, unknown>, suffix: string): number | undefined {
  for (const [k, v] of Object.entries(info)) if (k.endsWith(suffix) && typeof v === 'number') return v;
  return undefined;
}
