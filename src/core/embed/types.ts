/** Embedders: turn text into vectors. Providers live beside this file; nothing here talks to a server. */

export type EmbedderProvider = 'ollama' | 'openai' | 'builtin';
/** What a user picks: a provider, or `auto` (Ollama when it answers with the model, else the built-in model). */
export type EmbedderChoice = EmbedderProvider | 'auto';

/** How a host configures the embedder (CLI flags, environment, VS Code settings all map onto this). */
export interface EmbedderSettings {
  provider: EmbedderChoice;
  /** Server URL. Ollama default http://127.0.0.1:11434; OpenAI default https://api.openai.com. */
  host?: string;
  /** Model name. Ollama default nomic-embed-text; OpenAI default text-embedding-3-small. */
  model?: string;
  /** OpenAI-compatible only: the API key (else LORE_EMBED_API_KEY / OPENAI_API_KEY). Never stored or logged. */
  apiKey?: string;
  /** Texts per request (default 32). */
  batchSize?: number;
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number;
  /** Prepended to queries / documents; default per model (nomic-embed-text: "search_query: " / "search_document: "). */
  queryPrefix?: string;
  documentPrefix?: string;
  /** Attempts per request on transient errors (default 3). */
  retries?: number;
  /** Built-in only: which model of the catalogue (default bge-small-en-v1.5). */
  builtinModel?: string;
  /** Built-in only: the folder downloaded models live in (one sub-folder per model and revision). */
  modelDir?: string;
  /** Built-in only: a folder that already holds the model's files (air-gapped machines): never downloaded. */
  modelPath?: string;
  /** Built-in only: where the model files are downloaded from (default https://huggingface.co, or HF_ENDPOINT). */
  modelHub?: string;
  /** Built-in only: threads one inference uses (default half the cores, at least 1). */
  threads?: number;
}

/** Settings whose provider is decided (`auto` resolved to one of the providers). */
export type ResolvedEmbedderSettings = EmbedderSettings & { provider: EmbedderProvider };

export type EmbedKind = 'document' | 'query';

export interface EmbedOptions {
  signal?: AbortSignal;
  kind: EmbedKind;
}

export interface PreflightReport {
  provider: EmbedderProvider;
  host: string;
  model: string;
  dimensions: number;
  /** Tokens the model reads per input, when the server says. */
  contextLength?: number;
  serverVersion?: string;
  ms: number;
}

export interface Embedder {
  readonly provider: EmbedderProvider;
  readonly host: string;
  readonly model: string;
  /** The key of this model's vector space and cache: "provider:model", e.g. "ollama:nomic-embed-text". */
  readonly id: string;
  /** Learned from the model by preflight or the first embed; undefined before. */
  readonly dimensions: number | undefined;
  /** Reachable? Model there? Dimensions consistent? Throws an EmbedderError saying which. */
  preflight(opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<PreflightReport>;
  /** One unit-length vector per text, in order. Batches, truncates, retries transient failures. */
  embed(texts: string[], opts: EmbedOptions): Promise<Float32Array[]>;
  /** Models the server offers (names as the server spells them). */
  listModels(opts?: { signal?: AbortSignal }): Promise<string[]>;
}

export type EmbedderErrorKind =
  | 'unreachable' // nothing answers at the host
  | 'model-missing' // the server answers, the model is not there
  | 'timeout' // no answer in time
  | 'bad-response' // 404 / empty vector / wrong dimensions / unparsable
  | 'http' // another HTTP error (status in `status`)
  | 'auth' // 401/403
  | 'aborted' // the caller cancelled
  | 'download' // the built-in model could not be downloaded
  | 'checksum' // a downloaded file is not the pinned one
  | 'unsupported' // no ONNX Runtime for this platform
  | 'memory'; // the model ran out of memory

export interface EmbedderFix {
  /** command: a shell command to run; setting: a setting to change; action: something Lore does (hosts map it: VS Code's command, the CLI's `lore model download`). */
  kind: 'command' | 'setting' | 'action';
  value: string;
  label: string;
}

/** A failure of the embedder, with a message a user can act on. */
export class EmbedderError extends Error {
  constructor(
    readonly kind: EmbedderErrorKind,
    message: string,
    readonly opts: {
      status?: number;
      /** Worth retrying later (server down, busy, slow). */
      transient?: boolean;
      /** The input itself was refused (per document), not the embedder as a whole. */
      inputProblem?: boolean;
      fix?: EmbedderFix;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'EmbedderError';
  }
  get transient(): boolean {
    return !!this.opts.transient;
  }
  get fix(): EmbedderFix | undefined {
    return this.opts.fix;
  }
}

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';
export const DEFAULT_OLLAMA_MODEL = 'nomic-embed-text';
export const DEFAULT_OPENAI_HOST = 'https://api.openai.com';
export const DEFAULT_OPENAI_MODEL = 'text-embedding-3-small';
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_BATCH_SIZE = 32;
