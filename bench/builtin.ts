/**
 * The built-in embedder's own costs, with a TINY TEST MODEL (no model hub is reachable here, so
 * bge-small-en-v1.5 cannot be downloaded): Lore's WordPiece tokenizer, batching, the worker
 * process and its IPC, and ONNX Runtime running a graph of a table lookup and 4 dense 64x64
 * layers. What this does not measure is the real model's inference (a 33M-parameter BERT), which
 * dominates on real hardware; the section says how a user measures that.
 */
import fs from 'node:fs';
import path from 'node:path';
import { installTinyModel, tinyModel, writeCatalogue } from '../test/fixtures/tinyModel';
import { findModel } from '../src/core/embed/builtin/catalog';
import { ProcessEmbedder } from '../src/core/embed/processEmbedder';
import { runningWorkers } from '../src/core/idleWorker';
import { parseMarkdown } from '../src/core/markdown/parse';
import { type BenchContext, ms, percentile, REPO } from './util';

const RUST_BOOK = path.resolve(REPO, '../shared/corpora/rust-book/src');

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...markdownFiles(p));
    else if (e.name.endsWith('.md')) out.push(p);
  }
  return out.sort();
}

export async function runBuiltinBench(ctx: BenchContext): Promise<string> {
  if (!fs.existsSync(RUST_BOOK)) return `_Skipped: ${RUST_BOOK} is not here (../shared/corpora/rust-book)._`;
  const texts = markdownFiles(RUST_BOOK).flatMap((f) => parseMarkdown(fs.readFileSync(f, 'utf8'), path.relative(RUST_BOOK, f)).chunks.map((c) => c.text));
  // The vocabulary: the corpus's 8,000 most frequent words, so most words are one piece (as with a real vocabulary).
  const freq = new Map<string, number>();
  for (const t of texts) for (const w of t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) freq.set(w, (freq.get(w) ?? 0) + 1);
  const words = [...freq].sort((a, b) => b[1] - a[1]).slice(0, 8000).map(([w]) => w);
  const model = tinyModel({ words, dims: 64, layers: 4, name: 'lore-bench-tiny' });
  const dir = path.join(ctx.tmp, 'builtin-models');
  process.env.LORE_MODEL_CATALOG = writeCatalogue(dir, model); // the worker processes inherit it
  installTinyModel(dir, model);
  const chars = texts.reduce((n, t) => n + t.length, 0);
  ctx.log(`builtin: ${texts.length} rust-book chunks (${(chars / 1e6).toFixed(2)} MB of text), tiny model ${model.entry.onnx.bytes} bytes`);

  const rows: string[] = [];
  for (const threads of [1, 2]) {
    const runs: { perSec: number; peakMb: number; wallMs: number }[] = [];
    for (let r = 0; r < ctx.repeat; r++) {
      const embedder = new ProcessEmbedder({ provider: 'builtin', builtinModel: model.entry.name, modelDir: dir, threads, batchSize: 32 });
      let peakMb = 0;
      const sample = setInterval(() => {
        for (const w of runningWorkers()) if (w.name === 'embedder') peakMb = Math.max(peakMb, w.rssMb ?? 0);
      }, 50);
      await embedder.preflight();
      const t0 = performance.now();
      for (let i = 0; i < texts.length; i += 32) await embedder.embed(texts.slice(i, i + 32), { kind: 'document' });
      const wallMs = performance.now() - t0;
      clearInterval(sample);
      runs.push({ perSec: texts.length / (wallMs / 1000), peakMb, wallMs });
      await embedder.close();
    }
    const best = runs.sort((a, b) => b.perSec - a.perSec)[0];
    rows.push(`| ${threads} | ${Math.round(best.perSec).toLocaleString('en-US')} | ${Math.round(best.perSec / threads).toLocaleString('en-US')} | ${ms(best.wallMs)} | ${best.peakMb} MB |`);
  }

  // Queries: the first (a worker starts and loads the model) and then warm ones, as a user types.
  const embedder = new ProcessEmbedder({ provider: 'builtin', builtinModel: model.entry.name, modelDir: dir, threads: 1 });
  const t0 = performance.now();
  await embedder.embed(['how do I borrow a value mutably'], { kind: 'query' });
  const first = performance.now() - t0;
  const queries = texts.slice(0, 200).map((t) => t.split(/\s+/).slice(0, 8).join(' '));
  const times: number[] = [];
  for (const q of queries) {
    const s = performance.now();
    await embedder.embed([q], { kind: 'query' });
    times.push(performance.now() - s);
  }
  const queryRss = runningWorkers().find((w) => w.name === 'embedder (queries)')?.rssMb;
  await embedder.close();
  times.sort((a, b) => a - b);
  const bge = findModel('bge-small-en-v1.5');
  delete process.env.LORE_MODEL_CATALOG;

  return [
    `On the ${texts.length.toLocaleString('en-US')} chunks of the rust-book (${(chars / 1e6).toFixed(2)} MB of text), with a **tiny test model**`,
    '(written by the bench: table lookup + 4 dense 64x64 layers, 64 dims, mean pooling, 8,000-word WordPiece vocabulary from the corpus).',
    'These figures are Lore\'s own cost around the model (tokenizing, batching, the worker process, IPC, ONNX Runtime\'s overhead), **not** the speed of',
    `a real model: bge-small-en-v1.5 is a 33M-parameter BERT whose inference dominates. The memory is the worker process's (the extension host holds neither the runtime nor the model).`,
    '',
    '| threads | chunks/s | chunks/s per core | all chunks | embedding worker RSS, peak |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Queries (one text, in the query worker): first ${ms(first)} (the worker process starts and loads the model), then p50 ${ms(percentile(times, 0.5))}, p95 ${ms(percentile(times, 0.95))} over ${times.length}; query worker RSS ${queryRss ?? '?'} MB.`,
    '',
    `**The real model, on your machine** (${bge.name}, ${bge.repo}@${bge.revision.slice(0, 12)}, ${(bge.onnx.bytes / 2 ** 20).toFixed(1)} MB int8): run`,
    '`lore eval ../shared/corpora/scifact --embed-provider builtin --yes` (downloads the model once, then reports nDCG@10 / MRR@10 / recall@100 and latency for keyword, semantic and hybrid),',
    'and `lore index <folder> --embed-provider builtin --yes` for the embedding speed of your own documents.',
    `Published SciFact nDCG@10 of bge-small-en-v1.5 (MTEB, test split): **0.713** (71.275 in the model card's MTEB results) — published, not measured here.`,
  ].join('\n');
}
