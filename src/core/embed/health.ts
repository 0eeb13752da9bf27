import { errorMessage } from '../errors';
import { type EmbedderFix, EmbedderError } from './types';

/** What a status view shows about the embedder. */
export interface EmbedderStatus {
  state: 'off' | 'checking' | 'live' | 'degraded';
  reason?: string;
  provider?: string;
  /** The model being embedded into (the configured one). */
  model?: string;
  dimensions?: number;
  fix?: EmbedderFix;
  /** The model whose vectors serve semantic search now (differs from `model` during a switch). */
  activeModel?: string;
  /** Documents embedded by `model`, of all that can be: the progress of a first build or a switch. */
  progress?: { done: number; total: number };
  /** When a degraded embedder is checked again (ms since the epoch). */
  nextCheckAt?: number;
  /** A degraded embedder is being checked again now (it stays `degraded` until the check succeeds). */
  rechecking?: boolean;
  /** Why `auto` chose this provider. */
  autoNote?: string;
  /** Inputs cut to the model's length (built-in model), since this index was opened. */
  truncated?: number;
  /** The built-in model is not on this machine yet: what a download would fetch (hosts ask the user first). */
  download?: ModelDownloadInfo;
}

export interface ModelDownloadInfo {
  model: string;
  bytes: number;
  licence: string;
  homepage: string;
  /** The host the files come from, e.g. huggingface.co. */
  from: string;
  /** Bytes already downloaded (a download that was cut continues from there). */
  partial: number;
}

export interface QueueStatus {
  /** Documents waiting for vectors of the configured model. */
  pending: number;
  running: boolean;
  paused: boolean;
}

export interface CacheStatus {
  /** Chunks whose vectors came from the embedding cache (since this index was opened). */
  hits: number;
  /** Chunks sent to the embedder. */
  misses: number;
  /** hits / (hits + misses); 0 before anything was embedded. */
  hitRate: number;
}

/** Whether a failure is the embedder's (keep documents pending, retry later) or one input's. */
export function isEmbedderWide(err: unknown): boolean {
  return !(err instanceof EmbedderError && err.opts.inputProblem);
}

export function describeFailure(err: unknown): { reason: string; fix?: EmbedderFix } {
  if (err instanceof EmbedderError) return { reason: err.message, fix: err.fix };
  return { reason: errorMessage(err) };
}

/** Exponential back-off between checks of a degraded embedder: base, 2x, 4x ... capped. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly baseMs: number,
    private readonly maxMs = 5 * 60_000,
  ) {}
  next(): number {
    return Math.min(this.maxMs, this.baseMs * 2 ** this.attempt++);
  }
  reset(): void {
    this.attempt = 0;
  }
}

/** A small LRU of query vectors: search-as-you-type asks for the same text again and again. */
export class QueryVectorCache {
  private readonly map = new Map<string, Float32Array>();
  constructor(private readonly size = 128) {}
  get(key: string): Float32Array | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: Float32Array): void {
    this.map.set(key, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
}
