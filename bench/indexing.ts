/**
 * Indexing: cold keyword index of 5,000 generated documents and of folders given by path (the
 * built CLI, as users run it), the no-op re-run, save -> searchable latency through the watcher,
 * and database bytes per document.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createLore } from '../src/core/service';
import { writeCorpus } from './corpus';
import { type BenchContext, bestMedian, dbBytes, dirBytes, ensureBuilt, loadNow, mb, median, ms, runCli } from './util';

const DOCS = 5000;

interface Summary {
  scanned: number;
  added: number;
  unchanged: number;
  failed: number;
  chunks: number;
  bytes: number;
  ms: number;
}

async function indexOnce(dir: string, dbPath: string) {
  const run = await runCli(['index', dir, '--db', dbPath, '--json', '--embed-provider', 'none']);
  const { summary } = JSON.parse(run.stdout) as { summary: Summary };
  return { ...run, summary };
}

interface ColdFigures {
  runs: { s: Summary; wallMs: number; cpuMs: number; load: string }[];
  dbBytes: number;
  files: number;
}

async function cold(ctx: BenchContext, dir: string, label: string): Promise<ColdFigures> {
  const runs: ColdFigures['runs'] = [];
  let size = 0;
  for (let i = 0; i < ctx.repeat; i++) {
    const db = path.join(ctx.tmp, `cold-${label}-${i}`, 'index.db');
    const load = loadNow();
    const r = await indexOnce(dir, db);
    runs.push({ s: r.summary, wallMs: r.wallMs, cpuMs: r.cpuMs, load });
    size = dbBytes(db);
    ctx.log(`  ${label} cold run ${i + 1}: ${(r.summary.ms / 1000).toFixed(2)} s, ${mbps(r.summary).toFixed(2)} MB/s (load ${load})`);
    if (i < ctx.repeat - 1) fs.rmSync(path.dirname(db), { recursive: true, force: true });
  }
  return { runs, dbBytes: size, files: runs[0].s.scanned };
}

/** MB (10^6 bytes, as the CLI prints) per second of the run's own time. */
const mbps = (s: Summary) => s.bytes / 1e6 / (s.ms / 1000);

async function saveToSearchable(ctx: BenchContext, root: string, dbPath: string, trials = 10): Promise<number[]> {
  const lore = await createLore({ root, dbPath });
  const out: number[] = [];
  try {
    await lore.watch();
    const file = path.join(root, 'notes', 'bench-watch.md');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (let i = 0; i < trials; i++) {
      const word = `benchword${i}x${Date.now().toString(36)}`;
      const t0 = performance.now();
      fs.writeFileSync(file, `# Watch trial ${i}\n\nThis paragraph says ${word} once.\n`);
      for (;;) {
        if ((await lore.search(word, { k: 1, mode: 'keyword' })).results.length) break;
        if (performance.now() - t0 > 10_000) throw new Error('a saved file was not searchable within 10 s');
        await new Promise((r) => setTimeout(r, 5));
      }
      out.push(performance.now() - t0);
      ctx.log(`  save -> searchable ${i + 1}: ${ms(out[i])}`);
      await new Promise((r) => setTimeout(r, 300)); // let the watcher settle between trials
    }
  } finally {
    await lore.close();
  }
  return out;
}

export async function runIndexing(ctx: BenchContext): Promise<string> {
  ensureBuilt(ctx.log);
  const corpus = path.join(ctx.tmp, 'corpus5k');
  const bytes = writeCorpus(corpus, DOCS, 42);
  ctx.log(`indexing: ${DOCS} generated documents, ${mb(bytes)}`);
  const c = await cold(ctx, corpus, 'generated');
  const last = c.runs[c.runs.length - 1].s;
  const dbPath = path.join(ctx.tmp, `cold-generated-${ctx.repeat - 1}`, 'index.db');

  const noop: number[] = [];
  const noopWall: number[] = [];
  for (let i = 0; i < ctx.repeat; i++) {
    const r = await indexOnce(corpus, dbPath);
    if (r.summary.unchanged !== DOCS) throw new Error(`no-op run re-indexed files: ${JSON.stringify(r.summary)}`);
    noop.push(r.summary.ms);
    noopWall.push(r.wallMs);
  }
  ctx.log(`  no-op: ${noop.map(ms).join(', ')}`);
  const latency = (await saveToSearchable(ctx, corpus, dbPath)).sort((a, b) => a - b);

  const folders: string[] = [];
  for (const dir of ctx.dirs) {
    const { files, bytes: b } = dirBytes(dir);
    if (!files) {
      ctx.log(`  ${dir}: no markdown files, skipped`);
      continue;
    }
    const f = await cold(ctx, dir, path.basename(dir));
    const s = f.runs.map((r) => r.s);
    folders.push(`| cold keyword index of \`${dir}\` (${files.toLocaleString('en-US')} files, ${mb(b)}, ${s[0].chunks.toLocaleString('en-US')} chunks) | ` +
      `${bestMedian(s.map(mbps), (x) => `${x.toFixed(2)} MB/s`, true)}; ${bestMedian(s.map((x) => x.ms / 1000), (x) => `${x.toFixed(2)} s`)}; ` +
      `database ${mb(f.dbBytes)} | ≥ 1.5 MB/s | as above |`);
  }

  const docsPerS = c.runs.map((r) => r.s.added / (r.s.ms / 1000));
  const cpuMBps = c.runs.map((r) => r.s.bytes / 1e6 / (r.cpuMs / 1000));
  const lines = [
    `Corpus: \`bench/corpus.ts\`, ${DOCS.toLocaleString('en-US')} generated documents (seed 42): front matter on half, H1-H3 sections, paragraphs, lists, fenced code, GFM tables, links; ` +
      `${mb(bytes)} (${(bytes / DOCS / 1024).toFixed(1)} KB per document), ${last.chunks.toLocaleString('en-US')} chunks.`,
    '',
    '| measure | figure | target | how |',
    '| --- | --- | --- | --- |',
    `| cold keyword index, ${DOCS.toLocaleString('en-US')} docs, best (median) of ${c.runs.length} | **${bestMedian(c.runs.map((r) => mbps(r.s)), (x) => `${x.toFixed(2)} MB/s`, true)}**; ` +
      `${bestMedian(docsPerS, (x) => `${Math.round(x)} docs/s`, true)}; ${bestMedian(c.runs.map((r) => r.s.ms / 1000), (x) => `${x.toFixed(2)} s`)} | ≥ 1.5 MB/s | ` +
      `built CLI \`lore index <dir> --db <tmp> --json --embed-provider none\` on an empty database; time = the run's own summary (scan, parse in worker threads, write); load average at start ${c.runs.map((r) => r.load.split(' / ')[0]).join(', ')} |`,
    `| CPU used by that run | ${bestMedian(c.runs.map((r) => r.cpuMs / 1000), (x) => `${x.toFixed(1)} s`)} (all threads): ${bestMedian(cpuMBps, (x) => `${x.toFixed(2)} MB per CPU-second`, true)} | | ` +
      `process CPU time; with 2 idle cores the wall time approaches half of it |`,
    `| process wall time, cold | ${bestMedian(c.runs.map((r) => r.wallMs / 1000), (x) => `${x.toFixed(2)} s`)} | | includes Node start-up, opening and migrating the database |`,
    `| no-op re-run, ${DOCS.toLocaleString('en-US')} unchanged files | **${bestMedian(noop, ms)}** (process ${bestMedian(noopWall, ms)}) | < 1 s | same command again on the same tree |`,
    `| save -> searchable (watcher) | **p50 ${ms(median(latency))}**, max ${ms(latency[latency.length - 1])}, ${latency.length} saves | < 500 ms | in process: \`lore.watch()\` on the 5,000-doc index, write a file with a new word, poll \`search()\` every 5 ms until it is found |`,
    `| database size | ${mb(c.dbBytes)} for ${mb(bytes)} of markdown: **${(c.dbBytes / DOCS / 1024).toFixed(1)} KB per document** | | file + WAL after the cold index |`,
    ...folders,
  ];
  if (!ctx.dirs.length) lines.push('', 'No folder given with `--dir` and no /work/shared/corpora found.');
  return lines.join('\n');
}
