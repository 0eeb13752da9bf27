/**
 * The built-in embedding model from the command line: `lore model status|download`, and the
 * question `lore index` asks when the model is needed and missing (a terminal is asked; `--yes`
 * agrees ahead; otherwise nothing is downloaded and the run is keyword-only, saying how to get it).
 */
import { resolveProvider } from '../core/embed/auto';
import { findModel, hubUrl, modelBytes } from '../core/embed/builtin/catalog';
import { isPresent, modelFiles } from '../core/embed/builtin/download';
import { builtinDownloadInfo, defaultModelDir, describeDownload, downloadBuiltinModel } from '../core/embed/builtin/store';
import { formatBytes } from '../core/format';
import type { ModelDownloadInfo } from '../core/embed/health';
import type { EmbedderSettings } from '../core/embed/types';
import type { Lore } from '../core/lore';

export interface ModelIo {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
  /** Asks a yes/no question on the terminal (undefined: nobody to ask). */
  ask?: (question: string) => Promise<string>;
}

const mb = formatBytes;
const describe = describeDownload;

/** Whether the user agrees: --yes, or "y" on a terminal. */
async function agreed(d: ModelDownloadInfo, io: ModelIo, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!io.ask) {
    io.err(`(semantic search needs the built-in model ${describe(d)}: run \`lore model download\`, or pass --yes)`);
    return false;
  }
  const answer = await io.ask(`Download the built-in embedding model ${describe(d)}? It is stored once in ${defaultModelDir()} [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}

function progress(io: ModelIo) {
  let last = 0;
  return (p: { received: number; total: number; resumed: boolean }) => {
    const now = Date.now();
    if (!io.isTTY || (now - last < 100 && p.received < p.total)) return;
    last = now;
    process.stderr.write(`\r\x1b[2Kdownloading ${mb(p.received)} of ${mb(p.total)}${p.resumed ? ' (resumed)' : ''}`);
    if (p.received >= p.total) process.stderr.write('\r\x1b[2K');
  };
}

/** Before `lore index`/`watch`: offers the download when the index's embedder is the built-in model and it is missing. */
export async function offerModelDownload(lore: Lore, io: ModelIo, yes: boolean, signal?: AbortSignal): Promise<void> {
  await lore.embedderChecked();
  const d = (await lore.status()).embedder.download;
  if (!d || !(await agreed(d, io, yes))) return;
  await lore.downloadModel({ signal, onProgress: progress(io) });
  io.err(`(downloaded ${d.model})`);
}

/** `lore model status [--json]` and `lore model download [--yes]`. */
export async function runModel(sub: string | undefined, settings: EmbedderSettings | null, io: ModelIo, opts: { json: boolean; yes: boolean }, signal?: AbortSignal): Promise<number> {
  const s: EmbedderSettings = { ...(settings ?? { provider: 'builtin' }), modelDir: settings?.modelDir ?? defaultModelDir() };
  const e = findModel(s.builtinModel);
  const where = { modelDir: s.modelDir, modelPath: s.modelPath };
  if (sub === 'status' || sub === undefined) {
    const present = isPresent(e, where);
    const chosen = settings ? (await resolveProvider(settings, signal)) : undefined;
    const info = {
      model: e.name, repo: e.repo, revision: e.revision, dimensions: e.dimensions, maxTokens: e.maxTokens, licence: e.licence,
      bytes: modelBytes(e), present, files: modelFiles(e, where), hub: hubUrl(process.env, s.modelHub),
      provider: chosen ? chosen.settings.provider : 'none', note: chosen?.note,
    };
    if (opts.json) io.out(JSON.stringify(info, null, 2));
    else {
      io.out([
        `Model:     ${e.name} (${e.repo}@${e.revision.slice(0, 12)}, ${e.dimensions} dims, ${e.maxTokens} tokens, ${e.licence} licence)`,
        `Files:     ${present ? `downloaded in ${info.files.dir}` : `not downloaded (${mb(info.bytes)} from ${info.hub}): run \`lore model download\``}`,
        `Provider:  ${info.provider}${info.note ? ` (${info.note})` : ''}`,
      ].join('\n'));
    }
    return 0;
  }
  if (sub !== 'download') {
    io.err(`Unknown \`lore model ${sub}\`: use \`lore model status\` or \`lore model download [--yes]\``);
    return 2;
  }
  const d = builtinDownloadInfo(s);
  if (!d) {
    io.out(s.modelPath ? `The model's files are taken from ${s.modelPath} (LORE_MODEL_PATH): nothing to download.` : `${e.name} is already downloaded (${modelFiles(e, where).dir}).`);
    return 0;
  }
  if (!(await agreed(d, io, opts.yes))) return 1;
  const files = await downloadBuiltinModel(s, { signal, onProgress: progress(io) });
  io.out(opts.json ? JSON.stringify({ model: e.name, downloaded: true, files }, null, 2) : `Downloaded ${e.name} into ${files.dir} (SHA-256 checked).`);
  return 0;
}
