/**
 * The models the built-in provider can download: each pinned to a revision of its model-hub
 * repository, every file with its size and SHA-256, so what runs is exactly what was checked.
 * More entries (a mirror's own export, a test model) come from a JSON file named by
 * LORE_MODEL_CATALOG: an array of entries of the same shape.
 */
import fs from 'node:fs';
import { EmbedderError } from '../types';

export interface ModelFile {
  /** Path inside the repository, e.g. "onnx/model_int8.onnx". */
  path: string;
  bytes: number;
  sha256: string;
}

export interface ModelEntry {
  /** What users name it by (`lore.embedding.builtinModel`), e.g. "bge-small-en-v1.5". */
  name: string;
  /** Model-hub repository, e.g. "Xenova/bge-small-en-v1.5". */
  repo: string;
  /** The commit every file is fetched at (never a branch). */
  revision: string;
  /** The ONNX graph and the tokenizer (HF tokenizer.json, WordPiece). */
  onnx: ModelFile;
  tokenizer: ModelFile;
  dimensions: number;
  /** Tokens the model reads per input, [CLS] and [SEP] included. */
  maxTokens: number;
  /** How token vectors become one vector, as the model card prescribes. */
  pooling: 'cls' | 'mean';
  queryPrefix: string;
  documentPrefix: string;
  licence: string;
  /** Where a user reads about the model. */
  homepage: string;
}

export const DEFAULT_BUILTIN_MODEL = 'bge-small-en-v1.5';

/**
 * bge-small-en-v1.5 (BAAI, MIT), the int8 ONNX export in Xenova's repository: 384 dimensions, 512
 * tokens, CLS pooling then L2 normalisation, the query instruction of the model card. The
 * revision, sizes and SHA-256 are those several public projects pin for this export; the model hub
 * is not reachable from the machines this was built on, so the download of this entry could not be
 * run here (the tests run the same code on a model they write).
 */
const BGE_SMALL: ModelEntry = {
  name: 'bge-small-en-v1.5',
  repo: 'Xenova/bge-small-en-v1.5',
  revision: 'ea104dacec62c0de699686887e3f920caeb4f3e3',
  onnx: { path: 'onnx/model_int8.onnx', bytes: 33_760_831, sha256: 'bf64d05457cb391fa88d045faf5927a15ea36d96228ddf23ea970087afdc1197' },
  tokenizer: { path: 'tokenizer.json', bytes: 711_396, sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66' },
  dimensions: 384,
  maxTokens: 512,
  pooling: 'cls',
  queryPrefix: 'Represent this sentence for searching relevant passages: ',
  documentPrefix: '',
  licence: 'MIT',
  homepage: 'https://huggingface.co/BAAI/bge-small-en-v1.5',
};

const BUILT_IN: readonly ModelEntry[] = [BGE_SMALL];

function isFile(f: unknown): f is ModelFile {
  const x = f as ModelFile;
  return !!x && typeof x.path === 'string' && Number.isInteger(x.bytes) && x.bytes > 0 && /^[0-9a-f]{64}$/.test(x.sha256);
}

function checked(e: ModelEntry, source: string): ModelEntry {
  const ok = typeof e?.name === 'string' && typeof e.repo === 'string' && /^[0-9a-f]{40}$/.test(e.revision ?? '') &&
    isFile(e.onnx) && isFile(e.tokenizer) && Number.isInteger(e.dimensions) && e.dimensions > 0 &&
    Number.isInteger(e.maxTokens) && e.maxTokens > 2 && (e.pooling === 'cls' || e.pooling === 'mean');
  if (!ok) throw new EmbedderError('bad-response', `${source}: model "${e?.name ?? '?'}" needs name, repo, a 40-hex revision, onnx and tokenizer files (path, bytes, sha256), dimensions, maxTokens and pooling cls|mean`);
  const defaults = { queryPrefix: '', documentPrefix: '', licence: 'unknown', homepage: `https://huggingface.co/${e.repo}` };
  return { ...defaults, ...e };
}

/** Every model known: the built-in ones and those of LORE_MODEL_CATALOG (which may replace one by name). */
export function catalogue(env: NodeJS.ProcessEnv = process.env): ModelEntry[] {
  const byName = new Map(BUILT_IN.map((e) => [e.name, e]));
  const file = env.LORE_MODEL_CATALOG;
  if (file) {
    let extra: unknown;
    try {
      extra = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new EmbedderError('bad-response', `LORE_MODEL_CATALOG (${file}) cannot be read: ${(err as Error).message}`);
    }
    if (!Array.isArray(extra)) throw new EmbedderError('bad-response', `LORE_MODEL_CATALOG (${file}) must hold a JSON array of models`);
    for (const e of extra) byName.set((e as ModelEntry).name, checked(e as ModelEntry, file));
  }
  return [...byName.values()];
}

export function findModel(name: string | undefined, env: NodeJS.ProcessEnv = process.env): ModelEntry {
  const wanted = name || DEFAULT_BUILTIN_MODEL;
  const all = catalogue(env);
  const e = all.find((m) => m.name === wanted || m.repo === wanted);
  if (!e) {
    throw new EmbedderError('model-missing', `"${wanted}" is not a built-in model (known: ${all.map((m) => m.name).join(', ')})`, {
      fix: { kind: 'setting', value: 'lore.embedding.builtinModel', label: 'Choose the built-in model' },
    });
  }
  return e;
}

/** Bytes to download for a model (both files). */
export function modelBytes(e: ModelEntry): number {
  return e.onnx.bytes + e.tokenizer.bytes;
}

export function hubUrl(env: NodeJS.ProcessEnv = process.env, configured?: string): string {
  return (configured || env.LORE_MODEL_HUB || env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** The pinned address of one file: <hub>/<repo>/resolve/<revision>/<path>. */
export function fileUrl(hub: string, e: ModelEntry, f: ModelFile): string {
  return `${hub}/${e.repo}/resolve/${e.revision}/${f.path}`;
}
