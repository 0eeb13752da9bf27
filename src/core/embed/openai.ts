import {
  DEFAULT_BATCH_SIZE, DEFAULT_OPENAI_HOST, DEFAULT_OPENAI_MODEL, DEFAULT_TIMEOUT_MS,
  type EmbedOptions, type Embedder, EmbedderError, type EmbedderSettings, type PreflightReport,
} from './types';
import { callWithPolicy, checkVectors, isTimeout, isUnreachable, normalise, seconds, taskPrefix, truncateForContext } from './util';

const PREFLIGHT_CONNECT_MS = 3000;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, LM Studio, llama.cpp server, vLLM...).
 * The API key comes from the settings or LORE_EMBED_API_KEY / OPENAI_API_KEY; it is sent in the
 * Authorization header and nowhere else (never in messages, logs or status).
 */
export class OpenAIEmbedder implements Embedder {
  readonly provider = 'openai' as const;
  readonly host: string;
  readonly model: string;
  private dims: number | undefined;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly attempts: number;

  constructor(private readonly settings: Omit<EmbedderSettings, 'provider'> = {}, env: NodeJS.ProcessEnv = process.env) {
    const host = settings.host || DEFAULT_OPENAI_HOST;
    this.host = (host.includes('://') ? host : `http://${host}`).replace(/\/+$/, '').replace(/\/v1$/, '');
    this.model = settings.model || DEFAULT_OPENAI_MODEL;
    this.apiKey = settings.apiKey || env.LORE_EMBED_API_KEY || env.OPENAI_API_KEY || undefined;
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.batchSize = Math.max(1, settings.batchSize ?? DEFAULT_BATCH_SIZE);
    this.attempts = Math.max(1, settings.retries ?? 3);
  }

  get id(): string {
    return `openai:${this.model}`;
  }

  get dimensions(): number | undefined {
    return this.dims;
  }

  async listModels(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string[]> {
    const body = (await this.request('GET', '/v1/models', undefined, opts.signal, opts.timeoutMs ?? this.timeoutMs, 1)) as { data?: { id: string }[] };
    return (body?.data ?? []).map((m) => m.id);
  }

  async preflight(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<PreflightReport> {
    const t0 = performance.now();
    const quick = Math.min(PREFLIGHT_CONNECT_MS, opts.timeoutMs ?? this.timeoutMs);
    let names: string[] | undefined;
    try {
      names = await this.listModels({ signal: opts.signal, timeoutMs: quick });
    } catch (err) {
      // Some compatible servers have no /v1/models; only "nothing answers" or "no access" stop here.
      if (!(err instanceof EmbedderError) || !['bad-response', 'http'].includes(err.kind)) throw err;
    }
    if (names?.length && !names.includes(this.model)) {
      throw new EmbedderError('model-missing', `model ${this.model} is not available at ${this.host} (it offers: ${names.slice(0, 8).join(', ')})`, {
        fix: { kind: 'setting', value: 'lore.embedding.model', label: 'Choose a model' },
      });
    }
    const [probe] = await this.embedRaw(['lore preflight'], 'query', opts.signal, opts.timeoutMs ?? this.timeoutMs, 1);
    this.dims = probe.length;
    return { provider: 'openai', host: this.host, model: this.model, dimensions: probe.length, ms: Math.round(performance.now() - t0) };
  }

  async embed(texts: string[], opts: EmbedOptions): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const vectors = await this.embedRaw(texts.slice(i, i + this.batchSize), opts.kind, opts.signal, this.timeoutMs, this.attempts);
      for (const v of vectors) out.push(normalise(v));
    }
    return out;
  }

  private async embedRaw(texts: string[], kind: EmbedOptions['kind'], signal: AbortSignal | undefined, timeoutMs: number, attempts: number): Promise<number[][]> {
    const prefix = taskPrefix(this.model, kind, this.settings);
    const input = texts.map((t) => truncateForContext(prefix + t, undefined));
    const body = (await this.request('POST', '/v1/embeddings', { model: this.model, input }, signal, timeoutMs, attempts)) as {
      data?: { embedding: number[]; index?: number }[];
    };
    const data = Array.isArray(body?.data) ? [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)) : undefined;
    const vectors = checkVectors(data?.map((d) => d.embedding), texts.length, this.dims, this.model);
    this.dims ??= vectors[0]?.length;
    return vectors;
  }

  private request(method: 'GET' | 'POST', route: string, json: unknown, signal: AbortSignal | undefined, timeoutMs: number, attempts: number): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (json !== undefined) headers['content-type'] = 'application/json';
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    return callWithPolicy(
      async (s) => {
        const res = await fetch(this.host + route, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), signal: s });
        const text = await res.text();
        if (!res.ok) throw new HttpError(res.status, errorText(text) || res.statusText);
        try {
          return JSON.parse(text);
        } catch {
          throw new EmbedderError('bad-response', `${this.host}${route} did not answer JSON`);
        }
      },
      { signal, timeoutMs, attempts, classify: (err, timedOut) => this.classify(err, timedOut, timeoutMs) },
    );
  }

  private classify(err: unknown, timedOut: boolean, timeoutMs: number): EmbedderError {
    if (timedOut || isTimeout(err)) {
      return new EmbedderError('timeout', `the embedding server at ${this.host} timed out after ${seconds(timeoutMs)} s (raise lore.embedding.timeout)`, {
        transient: true, cause: err, fix: { kind: 'setting', value: 'lore.embedding.timeout', label: 'Raise the timeout' },
      });
    }
    if (isUnreachable(err)) {
      return new EmbedderError('unreachable', `no OpenAI-compatible embedding server is running at ${this.host}`, {
        transient: true, fix: { kind: 'setting', value: 'lore.embedding.host', label: 'Set the server address' },
      });
    }
    if (err instanceof HttpError) {
      const status = err.status;
      const msg = this.redact(err.message);
      if (status === 401 || status === 403) {
        return new EmbedderError('auth', `${this.host} refused the API key (${status}): set LORE_EMBED_API_KEY or OPENAI_API_KEY`, { status });
      }
      if (status === 404 && /model/i.test(msg)) {
        return new EmbedderError('model-missing', `model ${this.model} is not available at ${this.host}: ${msg}`, { status });
      }
      if (status === 404) return new EmbedderError('bad-response', `${this.host} answered 404 (${msg}); is it OpenAI-compatible?`, { status });
      if (status === 400 || status === 413) return new EmbedderError('http', `the embedding server refused the input (${status}): ${msg}`, { status, inputProblem: true });
      if (status >= 500 || status === 429) return new EmbedderError('http', `the embedding server at ${this.host} failed (${status}): ${msg}`, { status, transient: true });
      return new EmbedderError('http', `the embedding server at ${this.host} answered ${status}: ${msg}`, { status });
    }
    return new EmbedderError('bad-response', `the embedding server at ${this.host} gave an unusable answer: ${this.redact(String((err as Error)?.message ?? err))}`);
  }

  /** Servers sometimes echo the key back in an error: it never leaves here. */
  private redact(s: string): string {
    return this.apiKey ? s.split(this.apiKey).join('***') : s;
  }
}

function errorText(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: string | { message?: string } };
    return typeof j.error === 'string' ? j.error : (j.error?.message ?? body);
  } catch {
    return body.slice(0, 300);
  }
}
