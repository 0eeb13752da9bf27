/**
 * The built-in embedder: a small sentence-embedding model run by ONNX Runtime in this process.
 * Hosts never construct it on their own thread: ProcessEmbedder runs it in worker processes
 * (inference is synchronous native work, and the runtime and the model are ~100 MB that would
 * otherwise stay in the editor's process). It never downloads: a missing model is an error whose
 * fix is the download a host starts after the user agrees (download.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { errorMessage } from '../../errors';
import { formatBytes } from '../../format';
import { type EmbedOptions, type Embedder, EmbedderError, type EmbedderSettings, type PreflightReport } from '../types';
import { normalise } from '../util';
import { findModel, modelBytes, type ModelEntry } from './catalog';
import { isPresent, modelFiles } from './download';
import { WordPiece } from './wordpiece';

/** Texts run together; sorted by length first, so a batch pads little. */
const BATCH = 16;

export function missingModel(e: ModelEntry): EmbedderError {
  const size = formatBytes(modelBytes(e));
  return new EmbedderError('model-missing', `the built-in model ${e.name} is not downloaded yet (${size}, ${e.licence} licence)`, {
    fix: { kind: 'action', value: 'lore.downloadModel', label: `Download ${e.name} (${size})` },
  });
}

function loadRuntime(): typeof Ort {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as typeof Ort;
  } catch (err) {
    throw new EmbedderError('unsupported', `the built-in model cannot run on ${process.platform}-${process.arch}: ONNX Runtime did not load (${errorMessage(err).split('\n')[0]}); use Ollama or an OpenAI-compatible server instead`, {
      fix: { kind: 'setting', value: 'lore.embedding.provider', label: 'Choose another provider' },
      cause: err, // the require stack, for the log
    });
  }
}

export class OnnxEmbedder implements Embedder {
  readonly provider = 'builtin' as const;
  readonly entry: ModelEntry;
  private session: Ort.InferenceSession | undefined;
  private loading: Promise<Ort.InferenceSession> | undefined;
  private tokenizer: WordPiece | undefined;
  private ort: typeof Ort | undefined;
  /** Inputs cut to the model's length since this embedder started. */
  truncated = 0;

  constructor(private readonly settings: Omit<EmbedderSettings, 'provider'>) {
    this.entry = findModel(settings.builtinModel);
  }

  get model(): string {
    return this.entry.name;
  }
  get host(): string {
    return 'built-in';
  }
  get id(): string {
    return `builtin:${this.entry.name}`;
  }
  get dimensions(): number | undefined {
    return this.entry.dimensions;
  }

  listModels(): Promise<string[]> {
    return Promise.resolve([this.entry.name]);
  }

  private async load(): Promise<Ort.InferenceSession> {
    if (this.session) return this.session;
    this.loading ??= (async () => {
      if (!isPresent(this.entry, this.settings)) throw missingModel(this.entry);
      const files = modelFiles(this.entry, this.settings);
      try {
        this.tokenizer = WordPiece.fromJson(fs.readFileSync(files.tokenizer, 'utf8'));
      } catch (err) {
        throw new EmbedderError('bad-response', `the tokenizer of ${this.entry.name} (${files.tokenizer}) cannot be read: ${errorMessage(err)}`);
      }
      this.ort = loadRuntime();
      const threads = this.settings.threads ?? Math.max(1, Math.floor(os.availableParallelism() / 2));
      try {
        this.session = await this.ort.InferenceSession.create(files.onnx, {
          intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
        });
      } catch (err) {
        throw this.runtimeError(err, `the model file ${files.onnx} cannot be loaded`);
      }
      return this.session;
    })();
    try {
      return await this.loading;
    } catch (err) {
      this.loading = undefined; // a later check tries again (the user may download or fix the file)
      throw err;
    }
  }

  async preflight(opts: { signal?: AbortSignal } = {}): Promise<PreflightReport> {
    const t0 = performance.now();
    const [probe] = await this.embed(['lore preflight'], { kind: 'query', signal: opts.signal });
    if (probe.length !== this.entry.dimensions) {
      throw new EmbedderError('bad-response', `${this.entry.name} returned ${probe.length} dimensions, the catalogue says ${this.entry.dimensions}`);
    }
    return { provider: 'builtin', host: 'built-in', model: this.entry.name, dimensions: probe.length, contextLength: this.entry.maxTokens, ms: Math.round(performance.now() - t0) };
  }

  async embed(texts: string[], opts: EmbedOptions): Promise<Float32Array[]> {
    const session = await this.load();
    const tok = this.tokenizer!;
    const prefix = opts.kind === 'query' ? (this.settings.queryPrefix ?? this.entry.queryPrefix) : (this.settings.documentPrefix ?? this.entry.documentPrefix);
    const encoded = texts.map((t) => tok.encode(prefix + t, this.entry.maxTokens));
    for (const e of encoded) if (e.cut) this.truncated++;
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].ids.length - encoded[b].ids.length);
    const out: Float32Array[] = new Array(texts.length);
    for (let i = 0; i < order.length; i += BATCH) {
      if (opts.signal?.aborted) throw new EmbedderError('aborted', 'Cancelled.');
      const idx = order.slice(i, i + BATCH);
      const vectors = await this.run(session, idx.map((j) => encoded[j].ids));
      idx.forEach((j, k) => (out[j] = vectors[k]));
    }
    return out;
  }

  private async run(session: Ort.InferenceSession, batch: number[][]): Promise<Float32Array[]> {
    const ort = this.ort!;
    const seq = Math.max(...batch.map((b) => b.length));
    const n = batch.length;
    const ids = new BigInt64Array(n * seq);
    const mask = new BigInt64Array(n * seq);
    batch.forEach((b, r) => {
      for (let c = 0; c < seq; c++) {
        ids[r * seq + c] = BigInt(c < b.length ? b[c] : this.tokenizer!.pad);
        mask[r * seq + c] = c < b.length ? 1n : 0n;
      }
    });
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [n, seq]),
      attention_mask: new ort.Tensor('int64', mask, [n, seq]),
    };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * seq), [n, seq]);
    let result: Ort.InferenceSession.OnnxValueMapType;
    try {
      result = await session.run(feeds);
    } catch (err) {
      throw this.runtimeError(err, 'the model failed on a batch');
    }
    const hidden = (result.last_hidden_state ?? result[session.outputNames[0]]) as Ort.Tensor;
    const dims = hidden.dims;
    if (dims.length !== 3 || dims[0] !== n || dims[1] !== seq) throw new EmbedderError('bad-response', `${this.entry.name} answered a tensor of shape [${dims.join(', ')}], not [${n}, ${seq}, dims]`);
    const d = dims[2];
    const data = hidden.data as Float32Array;
    return batch.map((b, r) => {
      const v = new Float32Array(d);
      if (this.entry.pooling === 'cls') v.set(data.subarray(r * seq * d, r * seq * d + d));
      else {
        for (let c = 0; c < b.length; c++) {
          const off = (r * seq + c) * d;
          for (let k = 0; k < d; k++) v[k] += data[off + k];
        }
        for (let k = 0; k < d; k++) v[k] /= b.length;
      }
      return normalise(v);
    });
  }

  private runtimeError(err: unknown, what: string): EmbedderError {
    const message = errorMessage(err);
    if (/bad_alloc|Failed to allocate|out of memory|ENOMEM/i.test(message)) {
      return new EmbedderError('memory', `${what}: out of memory (${message}); close other programs or lower lore.embedding.batchSize`, { cause: err });
    }
    return new EmbedderError('bad-response', `${what}: ${message}`, { cause: err });
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    this.loading = undefined;
    await s?.release();
  }
}
