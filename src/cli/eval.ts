/**
 * `lore eval <dir>`: how well Lore finds things, measured rather than assumed.
 *
 *   <dir> with corpus.jsonl  a BEIR set (corpus.jsonl, queries.jsonl, qrels/*.tsv): the documents
 *                            are written as markdown into a temp folder (removed afterwards),
 *                            indexed and searched by Lore; scored against the judgements.
 *   any other folder         known-item queries (src/core/eval/knownItem.ts): one query made from
 *                            each sampled document's own prose, that document the answer.
 *
 * Plain SQLite FTS5 BM25 over the same documents runs in the same process as the baseline. The
 * index is a temp database: the folder's own .lore is never touched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LoreError, errorMessage, throwIfAborted } from '../core/errors';
import { resolveProvider } from '../core/embed/auto';
import { embedderFromEnv } from '../core/embed/create';
import { ProcessEmbedder } from '../core/embed/processEmbedder';
import { builtinDownloadInfo, describeDownload, downloadBuiltinModel } from '../core/embed/builtin/store';
import type { EmbedderSettings } from '../core/embed/types';
import { loadBeir, writeBeirMarkdown } from '../core/eval/beir';
import { buildKnownItemSet } from '../core/eval/knownItem';
import { type EvalProgress, type EvalReport, type EvalSet, evaluate, type SystemResult } from '../core/eval/run';
import { SEARCH_MODES } from '../core/search/input';
import type { SearchMode } from '../core/search/types';

export const EVAL_HELP = `lore eval: retrieval quality, measured (Lore against plain SQLite FTS5 BM25 on the same documents)

Usage:
  lore eval <beir-dir>      a BEIR set (corpus.jsonl, queries.jsonl, qrels/test.tsv or dev.tsv):
                            nDCG@10, MRR@10, recall@100, latency per system
  lore eval <folder>        a markdown folder: known-item queries, each made from one document's
                            own prose (3-6 discriminative words, tf x idf), that document the answer:
                            MRR@10, success@10, nDCG@10
Options:
  --qrels FILE              the judgements of a BEIR set (default qrels/test.tsv, else dev.tsv)
  --mode M                  keyword, semantic or hybrid; repeatable (default keyword, plus semantic
                            and hybrid when the embedder answers)
  --queries N               at most N queries (BEIR: the first N; folder: N sampled documents, default 200)
  --seed N                  the known-item sampling seed (default 1)
  --json                    the whole report as JSON
  --per-query               with --json: every query's ranking and scores
  --embed-provider P, --embed-host URL, --embed-model M   the embedder, as for \`lore index\`
  --yes, -y                 download the built-in model first when it is needed and missing
  --help, -h                this text
The index is built in a temp folder and removed afterwards. Exit codes: 0 ok, 2 bad input, 130 interrupted.`;

export interface EvalIo {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
  /** Whether progress may be drawn on stderr (default: stderr is a terminal). */
  errIsTTY?: boolean;
}

const OPTIONS = {
  qrels: { type: 'string' },
  mode: { type: 'string', multiple: true },
  queries: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  'per-query': { type: 'boolean', default: false },
  'embed-provider': { type: 'string' },
  'embed-host': { type: 'string' },
  'embed-model': { type: 'string' },
  yes: { type: 'boolean', short: 'y', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const bad = (message: string) => new LoreError('BAD_INPUT', message);

function wholeNumber(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw bad(`${name} takes a whole number of at least ${min}, not "${value}"`);
  return n;
}

/** The modes to run and the embedder for them (null: keyword only). */
async function chooseModes(
  asked: string[] | undefined,
  settings: EmbedderSettings | null,
  note: (s: string) => void,
  signal?: AbortSignal,
  yes = false,
): Promise<{ modes: SearchMode[]; embedder: EmbedderSettings | null }> {
  const modes: SearchMode[] = [];
  for (const m of asked ?? []) {
    const mode = SEARCH_MODES.find((x) => x === m);
    if (!mode) throw bad(`--mode takes keyword, semantic or hybrid, not "${m}"`);
    if (!modes.includes(mode)) modes.push(mode);
  }
  const wantsVectors = asked ? modes.some((m) => m !== 'keyword') : !!settings;
  if (!wantsVectors) return { modes: modes.length ? modes : ['keyword'], embedder: null };
  if (!settings) throw bad(`--mode ${modes.filter((m) => m !== 'keyword').join('/')} needs an embedder (--embed-provider ollama or openai, not none)`);
  const { settings: resolved } = await resolveProvider(settings, signal);
  const download = resolved.provider === 'builtin' ? builtinDownloadInfo(resolved) : undefined;
  if (download && yes) {
    note(`downloading ${describeDownload(download)}`);
    try {
      await downloadBuiltinModel(resolved, { signal });
    } catch (err) {
      throwIfAborted(signal);
      throw bad(`the built-in model could not be downloaded: ${errorMessage(err)}`);
    }
  } else if (download) {
    const why = `the built-in model ${describeDownload(download)} is needed: pass --yes to download it, or run \`lore model download\``;
    if (asked) throw bad(`--mode ${modes.filter((m) => m !== 'keyword').join('/')} needs an embedder: ${why}`);
    note(`(semantic and hybrid skipped: ${why})`);
    return { modes: ['keyword'], embedder: null };
  }
  const embedder = new ProcessEmbedder(resolved); // the built-in model is checked in its worker, not here
  try {
    await embedder.preflight({ signal, timeoutMs: 5000 });
  } catch (err) {
    throwIfAborted(signal);
    if (asked) throw bad(`--mode ${modes.filter((m) => m !== 'keyword').join('/')} needs an embedder that answers: ${errorMessage(err)}`);
    note(`(semantic and hybrid skipped: ${embedder.id} at ${embedder.host} does not answer: ${errorMessage(err)})`);
    return { modes: ['keyword'], embedder: null };
  } finally {
    await embedder.close();
  }
  return { modes: asked ? modes : ['keyword', 'semantic', 'hybrid'], embedder: resolved };
}

/** One progress line, redrawn in place on stderr (at most every 100 ms). */
function progressLine(enabled: boolean) {
  let last = 0;
  let shown = false;
  const draw = (text: string) => {
    process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 80) - 1)}`);
    shown = true;
  };
  return {
    progress: enabled
      ? (p: EvalProgress) => {
          const now = Date.now();
          if (now - last < 100 && p.done !== p.total) return;
          last = now;
          draw(p.phase === 'searching' ? `searching (${p.system}) ${p.done}/${p.total}` : `${p.phase} ${p.done}/${p.total}`);
        }
      : undefined,
    log: enabled ? (line: string) => draw(line) : undefined,
    clear: () => {
      if (shown) process.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

const f3 = (x: number) => x.toFixed(3);
const msText = (x: number) => `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x)} ms`;

/** A plain text table: first column left-aligned, the others right-aligned. */
export function textTable(head: string[], rows: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ').trimEnd();
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function systemsTable(systems: SystemResult[], knownItem: boolean): string {
  const fallback = (s: SystemResult) => (s.fallback ? ` (${s.fallbackQueries ?? '?'} of ${s.queries} queries answered by keyword search: ${s.fallback})` : '');
  if (knownItem) {
    return textTable(
      ['system', 'MRR@10', 'success@10', 'nDCG@10', 'p50', 'p95', 'queries'],
      systems.map((s) => [s.system + fallback(s), f3(s.mrr10), f3(s.recall10), f3(s.ndcg10), msText(s.p50Ms), msText(s.p95Ms), String(s.queries)]),
    );
  }
  return textTable(
    ['system', 'nDCG@10', 'MRR@10', 'recall@100', 'p50', 'p95', 'queries'],
    systems.map((s) => [s.system + fallback(s), f3(s.ndcg10), f3(s.mrr10), f3(s.recall100), msText(s.p50Ms), msText(s.p95Ms), String(s.queries)]),
  );
}

function systemJson(s: SystemResult, set: EvalSet, perQuery: boolean) {
  const { runs, perQuery: scores, ...rest } = s;
  if (!perQuery) return rest;
  const texts = new Map(set.queries.map((q) => [q.id, q.text]));
  return {
    ...rest,
    perQuery: [...runs].map(([id, ranked]) => ({ query: id, text: texts.get(id), ...scores.get(id), top10: ranked.slice(0, 10) })),
  };
}

export async function runEval(argv: string[], io: EvalIo, signal?: AbortSignal): Promise<number> {
  let tmp: string | undefined;
  const screen = progressLine(io.errIsTTY ?? !!process.stderr.isTTY);
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw bad(`${errorMessage(err)}\nRun \`lore eval --help\` for usage.`);
    }
    const { values: opts, positionals } = parsed;
    if (opts.help) {
      io.out(EVAL_HELP);
      return 0;
    }
    if (positionals.length !== 1) throw bad(positionals.length ? `lore eval takes one folder, not ${positionals.length}: ${positionals.join(' ')}` : 'lore eval needs a folder: lore eval <dir> (a BEIR set or a markdown folder; `lore eval --help`)');
    const dir = path.resolve(positionals[0]);
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw bad(`Not a folder: ${dir}`);
    const limit = wholeNumber(opts.queries, '--queries', 1);
    const seed = wholeNumber(opts.seed, '--seed', 0);
    const beir = fs.existsSync(path.join(dir, 'corpus.jsonl'));
    if (!beir && opts.qrels) throw bad(`--qrels is for BEIR folders (with corpus.jsonl); ${dir} has none, so it is evaluated with known-item queries`);
    if (beir && seed !== undefined) throw bad('--seed is for known-item evaluation of a markdown folder; a BEIR set has its own queries');
    if (opts['per-query'] && !opts.json) throw bad('--per-query goes with --json');
    let settings: EmbedderSettings | null;
    try {
      settings = embedderFromEnv({ provider: opts['embed-provider'], host: opts['embed-host'], model: opts['embed-model'] });
    } catch (err) {
      throw bad(errorMessage(err));
    }
    const { modes, embedder } = await chooseModes(opts.mode, settings, io.err, signal, opts.yes);

    let set: EvalSet;
    let about: Record<string, unknown>;
    if (beir) {
      const loaded = loadBeir(dir, opts.qrels ? path.resolve(opts.qrels) : undefined);
      const queries = limit ? loaded.queries.slice(0, limit) : loaded.queries;
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-eval-'));
      const root = path.join(tmp, 'docs');
      screen.log?.(`writing ${loaded.docs.length} documents as markdown`);
      throwIfAborted(signal);
      const byPath = writeBeirMarkdown(loaded.docs, root);
      throwIfAborted(signal);
      set = { docs: loaded.docs, queries, qrels: loaded.qrels, root, docOfPath: (p) => byPath.get(p) };
      about = { kind: 'beir', dataset: dir, qrels: loaded.qrelsFile, documents: loaded.docs.length, queries: queries.length };
    } else {
      const ki = await buildKnownItemSet(dir, { queries: limit ?? 200, seed: seed ?? 1, signal });
      set = ki;
      about = {
        kind: 'known-item', folder: dir, files: ki.files, eligible: ki.eligible, queries: ki.queries.length, seed: ki.seed,
        ...(opts['per-query'] ? { knownItems: ki.queries } : {}),
      };
    }

    const report: EvalReport = await evaluate(set, {
      modes,
      embedder,
      signal,
      dbPath: tmp ? path.join(tmp, 'index.db') : undefined,
      // Known-item metrics stop at 10: searched as a user searches (k = 10), not deeper.
      ...(about.kind === 'known-item' ? { depth: 10 } : {}),
      log: screen.log,
      onProgress: screen.progress,
    });
    screen.clear();
    const knownItem = about.kind === 'known-item';
    if (opts.json) {
      io.out(JSON.stringify({ ...about, chunks: report.chunks, indexMs: Math.round(report.indexMs), ...(report.embedder ? { embedder: report.embedder } : {}), systems: report.systems.map((s) => systemJson(s, set, opts['per-query'])) }, null, 2));
      return 0;
    }
    const what = knownItem
      ? `Known-item evaluation of ${dir}: ${set.queries.length} queries, each made from one of ${about.eligible} documents' own prose (seed ${about.seed}), over ${about.files} files.`
      : `BEIR set ${dir}: ${set.queries.length} queries judged in ${path.relative(dir, String(about.qrels))}, ${set.docs.length} documents.`;
    const notes = [
      `Indexed ${report.documents} documents (${report.chunks} chunks) in ${(report.indexMs / 1000).toFixed(1)} s${report.embedder ? `, embedded with ${report.embedder.id}${report.embedder.state === 'live' ? '' : ` (${report.embedder.state}${report.embedder.reason ? `: ${report.embedder.reason}` : ''})`}` : ''}.`,
      ...(report.embedder?.pendingDocuments ? [`${report.embedder.pendingDocuments} document(s) have no vectors: semantic figures are incomplete.`] : []),
    ];
    io.out([what, '', systemsTable(report.systems, knownItem), '', ...notes].join('\n'));
    return 0;
  } catch (err) {
    screen.clear();
    if (err instanceof LoreError) {
      io.err(err.message);
      if (err.code === 'ABORTED') return 130;
      if (err.code === 'BAD_INPUT') return 2;
      return 3;
    }
    throw err;
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}
