/**
 * `npm run bench` (node --import tsx bench/run.ts): Lore's benchmarks. Not a test.
 *
 *   npm run bench                              every section
 *   npm run bench -- --only keyword            one section (or --only indexing,keyword)
 *   npm run bench -- --dir ~/docs --dir ../x   also cold-index these folders (default: /work/shared/corpora/* if present)
 *   npm run bench -- --repeat 5                repetitions of each timed measurement (default 3)
 *   npm run bench -- --no-write                print the results, leave BENCHMARKS.md alone
 *
 * Each section writes its own block of BENCHMARKS.md, between `<!-- bench:NAME:start -->` and
 * `<!-- bench:NAME:end -->`, so running one section replaces only its block (a new one is appended).
 *
 * Adding a section: a module `bench/<name>.ts` exporting a function that returns the block's
 * markdown (or a promise of it), and ONE line in SECTIONS below:
 *   { name: 'vectors', title: 'Vector search', run: (ctx) => runVectorBench() },
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBuiltinBench } from './builtin';
import { runMemoryBench } from './memory';
import { runHostBench } from './host';
import { runHostVectorsBench } from './hostVectors';
import { runIndexing } from './indexing';
import { runKeyword } from './keyword';
import { runLinkPrior } from './linkPrior';
import { runQuality } from './quality';
import { runPostgres } from './postgres';
import { runRelated } from './related';
import { runVectorBench } from './vectors';
import { type BenchContext, loadNow, machine, REPO } from './util';

export interface Section {
  name: string;
  title: string;
  run: (ctx: BenchContext) => string | Promise<string>;
}

export const SECTIONS: Section[] = [
  { name: 'indexing', title: 'Indexing', run: runIndexing },
  { name: 'keyword', title: 'Keyword search', run: runKeyword },
  { name: 'vectors', title: 'Vector search', run: (ctx) => runVectorBench({ repeat: ctx.repeat, tmp: ctx.tmp, log: ctx.log }) },
  { name: 'quality', title: 'Retrieval quality', run: runQuality },
  { name: 'builtin', title: 'Built-in embedder (tiny test model)', run: runBuiltinBench },
  { name: 'memory', title: 'Durable memory at 100,000 entries', run: runMemoryBench },
  { name: 'host', title: 'Extension host in a big workspace', run: runHostBench },
  { name: 'host-vectors', title: 'Extension host at 100,000 chunks with vectors', run: runHostVectorsBench },
  { name: 'postgres', title: 'Team index on PostgreSQL', run: runPostgres },
  { name: 'related', title: 'Related at 100,000 chunks', run: runRelated },
  { name: 'link-prior', title: 'Link prior', run: runLinkPrior },
];

const FILE = path.join(REPO, 'BENCHMARKS.md');

/** Replaces (or appends) the block of one section in BENCHMARKS.md. */
export function writeBlock(name: string, body: string, file = FILE): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  const next = a !== -1 && b > a ? text.slice(0, a) + block + text.slice(b + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, next);
}

function parse(argv: string[]) {
  const only: string[] = [];
  const dirs: string[] = [];
  let repeat = 3;
  let write = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--only') only.push(...value().split(',').filter(Boolean));
    else if (a === '--dir') dirs.push(path.resolve(value()));
    else if (a === '--repeat') repeat = Math.max(1, Number(value()) || 1);
    else if (a === '--no-write') write = false;
    else if (a === '--help' || a === '-h') {
      console.log(fs.readFileSync(__filename, 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (see --help)`);
  }
  const unknown = only.filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`no section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
  if (!dirs.length) {
    const shared = '/work/shared/corpora';
    if (fs.existsSync(shared)) {
      for (const e of fs.readdirSync(shared, { withFileTypes: true })) if (e.isDirectory()) dirs.push(path.join(shared, e.name));
    }
  }
  return { only, dirs, repeat, write };
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-bench-'));
  const ctx: BenchContext = { dirs: args.dirs, repeat: args.repeat, tmp, log: (m) => console.error(m) };
  const chosen = SECTIONS.filter((s) => !args.only.length || args.only.includes(s.name));
  try {
    for (const s of chosen) {
      const started = new Date();
      const loadBefore = loadNow();
      console.error(`== ${s.name}`);
      const body = await s.run(ctx);
      const header = [
        `## ${s.title}`,
        '',
        `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench -- --only ${s.name}\` on ${machine()}. ` +
          `Load average (1/5/15 min) ${loadBefore} at start, ${loadNow()} at the end: other work shared the cores, so figures are given as best and median of repeated runs.`,
        '',
      ].join('\n');
      const text = `${header}\n${body}`;
      console.log(`${text}\n`);
      if (args.write) writeBlock(s.name, text);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
