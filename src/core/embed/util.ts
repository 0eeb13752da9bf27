import { EmbedderError, type EmbedKind } from './types';

/** Task prefixes some models were trained with; applied unless the settings say otherwise. */
const PREFIXES: { match: RegExp; query: string; document: string }[] = [
  { match: /nomic-embed-text/i, query: 'search_query: ', document: 'search_document: ' },
  { match: /mxbai-embed-large|snowflake-arctic-embed/i, query: 'Represent this sentence for searching relevant passages: ', document: '' },
  { match: /(^|[/:-])e5([-:]|$)|multilingual-e5/i, query: 'query: ', document: 'passage: ' },
];

export function taskPrefix(model: string, kind: EmbedKind, overrides: { queryPrefix?: string; documentPrefix?: string } = {}): string {
  const override = kind === 'query' ? overrides.queryPrefix : overrides.documentPrefix;
  if (override !== undefined) return override;
  const p = PREFIXES.find((x) => x.match.test(model));
  return p ? p[kind] : '';
}

/** Scales to unit length (cosine distance then equals 1 - dot product). A zero vector is an error. */
export function normalise(values: ArrayLike<number>): Float32Array {
  const v = Float32Array.from(values);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  if (!(sum > 0) || !Number.isFinite(sum)) throw new EmbedderError('bad-response', 'the embedder returned an all-zero or non-numeric vector');
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}

/**
 * Cuts text to what the model reads. Tokens are not counted here: about 3 characters per token is
 * a safe floor for English prose and code (the server truncates exactly on top of this).
 */
export function truncateForContext(text: string, contextTokens: number | undefined): string {
  const maxChars = Math.max(256, (contextTokens ?? 2048) * 3);
  return text.length <= maxChars ? text : text.slice(0, maxChars);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortedError(): EmbedderError {
  return new EmbedderError('aborted', 'Cancelled.');
}

export interface CallPolicy {
  signal?: AbortSignal;
  timeoutMs: number;
  /** Attempts in all (1 = no retry). */
  attempts: number;
  /** Base backoff in ms (doubles each retry). */
  backoffMs?: number;
  /** Turns a raw failure into the provider's message. `timedOut` when our timer fired. */
  classify(err: unknown, timedOut: boolean): EmbedderError;
}

/**
 * Runs one request with a timeout, cancellation and retries with exponential backoff on
 * transient failures (server down, 5xx, 429, timeouts). Anything else fails at once.
 */
export async function callWithPolicy<T>(fn: (signal: AbortSignal) => Promise<T>, p: CallPolicy): Promise<T> {
  let last: EmbedderError | undefined;
  // A connection reset is, once, the race of a kept-alive connection the server closed while idle:
  // tried again at once, whatever the attempts (a query embedder has one, and would fall back to keyword).
  let resetRetried = false;
  for (let attempt = 0; attempt < Math.max(1, p.attempts); attempt++) {
    if (p.signal?.aborted) throw abortedError();
    if (attempt > 0) await sleep((p.backoffMs ?? 250) * 2 ** (attempt - 1) * (0.75 + Math.random() / 2), p.signal);
    const timer = AbortSignal.timeout(p.timeoutMs);
    const signal = p.signal ? AbortSignal.any([p.signal, timer]) : timer;
    try {
      return await fn(signal);
    } catch (err) {
      if (p.signal?.aborted) throw abortedError();
      if (!resetRetried && !timer.aborted && isConnectionReset(err)) {
        resetRetried = true;
        attempt--;
        continue;
      }
      last = err instanceof EmbedderError ? err : p.classify(err, timer.aborted);
      if (!last.transient) throw last;
    }
  }
  throw last!;
}

/** The low-level reason a fetch failed: ECONNREFUSED, ENOTFOUND, ... (undefined if none). */
function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/** The connection dropped under a request (reset, or closed by the other side: undici's UND_ERR_SOCKET). */
function isConnectionReset(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

/** Whether a failure means nothing answered at the address (vs. an HTTP error from a server). */
export function isUnreachable(err: unknown): boolean {
  const code = networkCode(err);
  if (code) return ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'ENETUNREACH', 'EPIPE'].includes(code);
  return err instanceof TypeError && /fetch failed/i.test(err.message);
}

export function isTimeout(err: unknown): boolean {
  return (err as { name?: string })?.name === 'TimeoutError';
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

/** Checks a batch of vectors from a server: count, non-empty, consistent dimensions. */
export function checkVectors(raw: unknown, expected: number, dims: number | undefined, model: string): number[][] {
  if (!Array.isArray(raw) || raw.length !== expected) {
    throw new EmbedderError('bad-response', `the embedder returned ${Array.isArray(raw) ? raw.length : 'no'} vectors for ${expected} texts (model ${model})`);
  }
  for (const v of raw) {
    if (!Array.isArray(v) || v.length === 0) {
      throw new EmbedderError('bad-response', `the embedder returned an empty vector (model ${model}); is it an embedding model?`);
    }
    const want = dims ?? raw[0].length;
    if (v.length !== want) {
      throw new EmbedderError('bad-response', `the embedder returned ${v.length}-dimensional vectors where ${want} were expected (model ${model})`);
    }
  }
  return raw as number[][];
}
