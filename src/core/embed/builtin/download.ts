/**
 * The built-in model's files on disk: where they are, whether they are complete and checked, and
 * their download (only ever started by a host after the user agreed). A download goes to
 * `<file>.part`, resumes from there with an HTTP Range request (after a cut connection, a cancel or
 * a crash), is checked against the pinned SHA-256 and only then renamed into place; a file that
 * fails the check is deleted. Folders are per model and revision, shared by every workspace.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../errors';
import { EmbedderError } from '../types';
import { fileUrl, type ModelEntry, type ModelFile } from './catalog';

export interface DownloadProgress {
  /** Bytes of both files on disk so far, and in all. */
  received: number;
  total: number;
  /** The file being fetched. */
  file: string;
  /** This file continued from a partial download. */
  resumed: boolean;
}

export interface DownloadOptions {
  hub: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Tries per file when the connection breaks (each continues where the last stopped; default 4). */
  attempts?: number;
  /** No data for this long ends an attempt (default 30 s). */
  stallMs?: number;
}

export interface ModelFiles {
  dir: string;
  onnx: string;
  tokenizer: string;
}

const MARKER = 'lore-verified.json';

export function modelFolder(modelDir: string, e: ModelEntry): string {
  return path.join(modelDir, `${e.name.replace(/[^\w.-]+/g, '_')}@${e.revision.slice(0, 12)}`);
}

/** Where the files are: a user's own folder (`modelPath`, used as it is) or the download folder. */
export function modelFiles(e: ModelEntry, where: { modelDir?: string; modelPath?: string }): ModelFiles {
  if (where.modelPath) {
    const dir = path.resolve(where.modelPath);
    const pick = (f: ModelFile, alternatives: string[]) =>
      [f.path, path.basename(f.path), ...alternatives].map((p) => path.join(dir, p)).find((p) => fs.existsSync(p)) ?? path.join(dir, f.path);
    return { dir, onnx: pick(e.onnx, ['model.onnx', 'onnx/model.onnx', 'onnx/model_quantized.onnx']), tokenizer: pick(e.tokenizer, []) };
  }
  if (!where.modelDir) throw new EmbedderError('model-missing', 'no folder is set for the built-in model (modelDir)');
  const dir = modelFolder(where.modelDir, e);
  return { dir, onnx: path.join(dir, e.onnx.path), tokenizer: path.join(dir, e.tokenizer.path) };
}

/** Both files downloaded and checked (a user's own folder counts when both files are there). */
export function isPresent(e: ModelEntry, where: { modelDir?: string; modelPath?: string }): boolean {
  const f = modelFiles(e, where);
  if (where.modelPath) return fs.existsSync(f.onnx) && fs.existsSync(f.tokenizer);
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(f.dir, MARKER), 'utf8')) as Record<string, string>;
    return [e.onnx, e.tokenizer].every((m, i) => marker[m.path] === m.sha256 && fs.statSync([f.onnx, f.tokenizer][i]).size === m.bytes);
  } catch {
    return false;
  }
}

/** Bytes already on disk for this model (complete files and partial ones), for "resume from N MB". */
export function bytesOnDisk(e: ModelEntry, modelDir: string): number {
  const f = modelFiles(e, { modelDir });
  let n = 0;
  for (const p of [f.onnx, f.tokenizer]) for (const q of [p, `${p}.part`]) n += fs.existsSync(q) ? fs.statSync(q).size : 0;
  return n;
}

/** Downloads what is missing, checks it, and returns where the files are. */
export async function downloadModel(e: ModelEntry, modelDir: string, opts: DownloadOptions): Promise<ModelFiles> {
  const files = modelFiles(e, { modelDir });
  if (isPresent(e, { modelDir })) return files;
  fs.mkdirSync(files.dir, { recursive: true });
  const release = lock(files.dir, e);
  try {
    const total = e.onnx.bytes + e.tokenizer.bytes;
    let before = 0;
    for (const [f, dest] of [[e.tokenizer, files.tokenizer], [e.onnx, files.onnx]] as const) {
      const base = before;
      await fetchFile(e, f, dest, opts, (received, resumed) => opts.onProgress?.({ received: base + received, total, file: f.path, resumed }));
      before += f.bytes;
    }
    fs.writeFileSync(path.join(files.dir, MARKER), JSON.stringify({ [e.onnx.path]: e.onnx.sha256, [e.tokenizer.path]: e.tokenizer.sha256, repo: e.repo, revision: e.revision }, null, 2));
    return files;
  } finally {
    release();
  }
}

async function fetchFile(e: ModelEntry, f: ModelFile, dest: string, opts: DownloadOptions, progress: (received: number, resumed: boolean) => void): Promise<void> {
  if (fs.existsSync(dest) && fs.statSync(dest).size === f.bytes && (await sha256(dest)) === f.sha256) return progress(f.bytes, false);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const url = fileUrl(opts.hub, e, f);
  const attempts = Math.max(1, opts.attempts ?? 4);
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (opts.signal?.aborted) throw aborted();
    try {
      await fetchOnce(url, f, part, opts, progress);
      last = undefined;
      break;
    } catch (err) {
      if (opts.signal?.aborted) throw aborted();
      if (err instanceof EmbedderError && !err.transient) throw err;
      last = err;
    }
  }
  if (last) throw last;
  const digest = await sha256(part);
  if (digest !== f.sha256) {
    fs.rmSync(part, { force: true });
    throw new EmbedderError('checksum', `the downloaded ${f.path} is not the pinned file (SHA-256 ${digest.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…); it was deleted: download again`, {
      fix: { kind: 'action', value: 'lore.downloadModel', label: 'Download again' },
    });
  }
  fs.renameSync(part, dest);
}

/** One request: from the end of the partial file when there is one. */
async function fetchOnce(url: string, f: ModelFile, part: string, opts: DownloadOptions, progress: (received: number, resumed: boolean) => void): Promise<void> {
  let have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  if (have > f.bytes) {
    fs.rmSync(part);
    have = 0;
  }
  if (have === f.bytes) return;
  const stall = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stall.signal]) : stall.signal;
  let timer = setTimeout(() => stall.abort(), opts.stallMs ?? 30_000);
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), opts.stallMs ?? 30_000);
  };
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal, headers: have ? { Range: `bytes=${have}-` } : {}, redirect: 'follow' });
    } catch (err) {
      throw unreachable(url, err, stall.signal.aborted);
    }
    if (res.status === 404) throw new EmbedderError('download', `the model hub has no ${f.path} at revision ${url.split('/resolve/')[1]?.split('/')[0] ?? '?'} (${url})`, { status: 404 });
    if (res.status === 401 || res.status === 403) throw new EmbedderError('download', `the model hub refused ${url} (${res.status})`, { status: res.status });
    if (res.status === 416) {
      fs.rmSync(part, { force: true }); // the partial file does not fit the server's: start again
      throw new EmbedderError('download', `the partial ${f.path} did not match the server's file; starting again`, { transient: true });
    }
    if (!res.ok || !res.body) throw new EmbedderError('download', `downloading ${url} failed (${res.status} ${res.statusText})`, { status: res.status, transient: res.status >= 500 || res.status === 429 });
    const resumed = res.status === 206 && have > 0;
    if (!resumed) have = 0; // the server sent the whole file
    const out = fs.openSync(part, resumed ? 'a' : 'w');
    try {
      progress(have, resumed);
      let lastReport = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        alive();
        fs.writeSync(out, chunk);
        have += chunk.byteLength;
        if (have > f.bytes) throw new EmbedderError('checksum', `${url} is larger than the pinned ${f.path} (${f.bytes} bytes)`);
        const now = Date.now();
        if (now - lastReport > 100 || have === f.bytes) {
          lastReport = now;
          progress(have, resumed);
        }
      }
    } catch (err) {
      if (err instanceof EmbedderError) throw err;
      throw unreachable(url, err, stall.signal.aborted);
    } finally {
      fs.closeSync(out);
    }
    if (have < f.bytes) throw new EmbedderError('download', `the connection closed after ${have} of ${f.bytes} bytes of ${f.path}`, { transient: true });
  } finally {
    clearTimeout(timer);
  }
}

function unreachable(url: string, err: unknown, stalled: boolean): EmbedderError {
  const host = new URL(url).host;
  const why = stalled ? 'no data for 30 s' : errorMessage((err as { cause?: unknown })?.cause ?? err);
  return new EmbedderError('download', `cannot download the built-in model from ${host} (${why}); offline? set lore.embedding.modelPath to a folder holding the model's files`, {
    transient: true, cause: err, fix: { kind: 'setting', value: 'lore.embedding.modelPath', label: 'Use a model folder' },
  });
}

function aborted(): EmbedderError {
  return new EmbedderError('aborted', 'Download cancelled (what was downloaded is kept and continued next time).');
}

export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One download of a model at a time, across processes (two windows, the CLI): a lock file with the owner's pid. */
function lock(dir: string, e: ModelEntry): () => void {
  const file = path.join(dir, '.download.lock');
  for (let i = 0; i < 2; i++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch {
      const owner = Number(fs.readFileSync(file, 'utf8'));
      if (owner && owner !== process.pid && alive(owner)) {
        throw new EmbedderError('download', `${e.name} is being downloaded by another process (pid ${owner}); it is used as soon as that ends`, { transient: true });
      }
      fs.rmSync(file, { force: true }); // left by a process that ended
    }
  }
  throw new EmbedderError('download', `cannot lock ${dir} for the download`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
