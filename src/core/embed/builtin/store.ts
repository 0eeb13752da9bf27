/**
 * The built-in model as the engine sees it: where its files go (the host's folder, else the user's
 * cache folder), whether a download is needed and what it would fetch, and the download itself.
 */
import os from 'node:os';
import path from 'node:path';
import { formatBytes } from '../../format';
import type { ModelDownloadInfo } from '../health';
import type { EmbedderSettings } from '../types';
import { findModel, hubUrl, modelBytes } from './catalog';
import { bytesOnDisk, type DownloadProgress, downloadModel, isPresent, type ModelFiles } from './download';

/** The user's cache folder for models, shared by every workspace (the CLI's, and the MCP server's). */
export function defaultModelDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LORE_MODEL_DIR) return path.resolve(env.LORE_MODEL_DIR);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'lore', 'models');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'lore', 'models');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'lore', 'models');
}

function where(s: EmbedderSettings): { modelDir: string; modelPath?: string } {
  return { modelDir: s.modelDir || defaultModelDir(), modelPath: s.modelPath || undefined };
}

/** What a download would fetch, or undefined when the model is on this machine (or in modelPath). */
export function builtinDownloadInfo(s: EmbedderSettings): ModelDownloadInfo | undefined {
  let e;
  try {
    e = findModel(s.builtinModel);
  } catch {
    return undefined; // an unknown model: the status says so, there is nothing to download
  }
  const w = where(s);
  if (w.modelPath || isPresent(e, w)) return undefined;
  return { model: e.name, bytes: modelBytes(e), licence: e.licence, homepage: e.homepage, from: new URL(hubUrl(process.env, s.modelHub)).host, partial: bytesOnDisk(e, w.modelDir) };
}

/** "bge-small-en-v1.5 (32.9 MB, 10.0 MB already downloaded, MIT licence) from huggingface.co": what a consent question names. */
export function describeDownload(d: ModelDownloadInfo): string {
  return `${d.model} (${formatBytes(d.bytes)}${d.partial ? `, ${formatBytes(d.partial)} already downloaded` : ''}, ${d.licence} licence) from ${d.from}`;
}

export async function downloadBuiltinModel(s: EmbedderSettings, opts: { signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void } = {}): Promise<ModelFiles> {
  const e = findModel(s.builtinModel);
  const w = where(s);
  if (w.modelPath) throw new Error(`lore.embedding.modelPath is set (${w.modelPath}): Lore uses the files there and downloads nothing`);
  return downloadModel(e, w.modelDir, { hub: hubUrl(process.env, s.modelHub), ...opts });
}
