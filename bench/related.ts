/**
 * Related (the Related view, `lore related`, the lore_related tool): how long `lore.related(path,
 * { line })` takes once the cursor settles, at 100,000 chunks, in keyword mode (no embedder: the
 * section's distinctive words searched as one query) and in semantic mode (every chunk has a
 * vector: the section's own vector's nearest passages); and how good keyword "Similar" is on
 * rust-book, where the chapters' links to one another say which passages belong together.
 *
 * The 100K-chunk corpus and its keyword index are bench/keyword.ts's (cached); the semantic index
 * is a copy of it whose chunks the embedding queue filled through the Ollama API from the test
 * fixture server (dense bags of words, 768 dimensions: test/fixtures/ollamaServer.ts), cached too.
 *
 * LORE_BENCH_RELATED_PAIRS=N measures N (path, line) pairs instead of 200 (a quick run).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../src/core/eval/seeded';
import { linksFrom, linksTo } from '../src/core/related/links';
import { distinctiveTerms } from '../src/core/related/similar';
import { createLore, type Lore } from '../src/core/service';
import { openStorage } from '../src/core/storage/open';
import type { Storage } from '../src/core/storage/storage';
import { denseVector, startFixtureServer } from '../test/fixtures/ollamaServer';
import { buildIndex } from './keyword';
import { type BenchContext, cacheDir, dbBytes, loadNow, mb, median, ms, percentile, sourceHash } from './util';

const CORPORA = path.join(__dirname, '..', '..', 'shared', 'corpora');
const PAIRS = Math.max(1, Number(process.env.LORE_BENCH_RELATED_PAIRS) || 200);
const WARM = 20;
const MODEL = 'nomic-embed-text';
const DIMS = 768;
const TARGET_MS = 50;
const f3 = (x: number) => x.toFixed(3);

interface Pair {
  path: string;
  line: number;
}

/** Deterministic (path, line) pairs: a document of the corpus, then a line of it, both uniform. */
function pairs(root: string, n: number, seed: number): Pair[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) files.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  walk(root);
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const file = files[Math.floor(r() * files.length)];
    const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n').length;
    return { path: file, line: 1 + Math.floor(r() * lines) };
  });
}

interface Pass {
  wall: number[];
  cpu: number[];
  load: string;
  methods: Map<string, number>;
  /** Why a semantic pass answered by keyword, the first reason met. */
  reason?: string;
}

async function pass(lore: Lore, list: Pair[]): Promise<Pass> {
  const out: Pass = { wall: [], cpu: [], load: loadNow(), methods: new Map() };
  for (const p of list) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await lore.related(p.path, { line: p.line });
    out.wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    out.cpu.push((c.user + c.system) / 1000);
    if (!r) throw new Error(`related: ${p.path} is not indexed`);
    out.methods.set(r.similar.method, (out.methods.get(r.similar.method) ?? 0) + 1);
    if (r.similar.method !== 'semantic') out.reason ??= r.similar.reason;
  }
  out.wall.sort((a, b) => a - b);
  out.cpu.sort((a, b) => a - b);
  return out;
}

const fig = (xs: number[]) => `p50 ${ms(percentile(xs, 0.5))}, **p95 ${ms(percentile(xs, 0.95))}**, max ${ms(xs[xs.length - 1])}`;
const brief = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${ms(percentile(s, 0.5))} / ${ms(percentile(s, 0.95))} / ${ms(s[s.length - 1])}`;
};

/** The first pass (each pair asked once: the cursor settling on a new section) and the repeated passes after it. */
async function measure(ctx: BenchContext, lore: Lore, list: Pair[], warm: Pair[], label: string): Promise<{ first: Pass; passes: Pass[] }> {
  await pass(lore, warm); // statements prepared, the vectors' prefilter loaded: the state of an editor that has been open a while
  const first = await pass(lore, list);
  ctx.log(`  ${label}, first pass: ${fig(first.wall)} (load ${first.load})`);
  const passes: Pass[] = [];
  for (let i = 0; i < Math.max(2, ctx.repeat - 1); i++) {
    const p = await pass(lore, list);
    passes.push(p);
    ctx.log(`  ${label}, pass ${i + 2}: ${fig(p.wall)} (load ${p.load})`);
  }
  return { first, passes };
}

function methodsOf(p: Pass): string {
  return [...p.methods].map(([m, n]) => `${m} ${n}`).join(', ');
}

/**
 * The steps findRelated takes, one after another for each pair, each timed on its own (the call
 * runs the two link reads beside the similar passages), on pairs not asked before; then the
 * what-ifs, each on pairs of its own (so no ranking one of them made is cached for another).
 */
async function keywordSteps(storage: Storage, root: string, n: number): Promise<Record<string, number[]>> {
  const t: Record<string, number[]> = { read: [], terms: [], search: [], to: [], from: [], max2: [], twelve: [], eight: [], commonWords: [] };
  const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const v = await fn();
    t[name].push(performance.now() - t0);
    return v;
  };
  const deps = { root, documents: storage.documents, links: storage.links };
  const section = async (p: Pair, timed: boolean) => {
    const doc = (await (timed ? time('read', () => storage.documents.read(p.path, 1, Number.MAX_SAFE_INTEGER)) : storage.documents.read(p.path, 1, Number.MAX_SAFE_INTEGER)))!;
    let chunk = doc.chunks[0];
    for (const c of doc.chunks) if (c.startLine <= p.line && c.startLine >= chunk.startLine) chunk = c;
    const get = () => distinctiveTerms(storage.keyword, { ...chunk, docPath: doc.path });
    return { doc, chunk, terms: timed ? await time('terms', get) : await get() };
  };
  for (const p of pairs(root, n, 23)) {
    const { doc, chunk, terms } = await section(p, true);
    await time('search', () => storage.keyword.rows(terms.join(' '), 11, { perDocument: 1 }));
    await time('to', () => linksTo(deps, doc.path, 100));
    await time('from', () => linksFrom(deps, doc.path, 100));
    const df = new Map((chunk.id === undefined ? [] : await storage.keyword.explainTerms(terms.join(' '), chunk.id)).map((e) => [e.term, e.matches]));
    t.commonWords.push(terms.filter((w) => (df.get(w) ?? 0) > 1000).length);
  }
  // What-ifs (not what Related does): the same kind of search with fewer of the words.
  const whatIfs: Array<[string, number, (terms: string[], df: Map<string, number>) => string[]]> = [
    ['max2', 24, (terms, df) => {
      let kept = 0;
      return terms.filter((w) => (df.get(w) ?? 0) <= 1000 || ++kept <= 2);
    }],
    ['twelve', 25, (terms) => terms.slice(0, 12)],
    ['eight', 26, (terms) => terms.slice(0, 8)],
  ];
  for (const [name, seed, pick] of whatIfs) {
    for (const p of pairs(root, n, seed)) {
      const { chunk, terms } = await section(p, false);
      const df = new Map((chunk.id === undefined ? [] : await storage.keyword.explainTerms(terms.join(' '), chunk.id)).map((e) => [e.term, e.matches]));
      const words = pick(terms, df);
      await time(name, () => storage.keyword.rows(words.join(' '), 11, { perDocument: 1 }));
    }
  }
  return t;
}

async function semanticSteps(storage: Storage, root: string, list: Pair[]): Promise<Record<string, number[]>> {
  const t: Record<string, number[]> = { read: [], cached: [], nearest: [], to: [], from: [] };
  const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const v = await fn();
    t[name].push(performance.now() - t0);
    return v;
  };
  const model = (await storage.vectors.activeSpace())!.model;
  const deps = { root, documents: storage.documents, links: storage.links };
  for (const p of list) {
    const doc = (await time('read', () => storage.documents.read(p.path, 1, Number.MAX_SAFE_INTEGER)))!;
    let chunk = doc.chunks[0];
    for (const c of doc.chunks) if (c.startLine <= p.line && c.startLine >= chunk.startLine) chunk = c;
    const hash = crypto.createHash('sha256').update(chunk.text).digest('hex');
    const vector = (await time('cached', () => storage.vectors.cached(model, [hash]))).get(hash);
    if (vector) await time('nearest', () => storage.vectors.nearest(model, vector, 11, { perDocument: 1 }));
    await time('to', () => linksTo(deps, doc.path, 100));
    await time('from', () => linksFrom(deps, doc.path, 100));
  }
  return t;
}

/** The keyword index of bench/keyword.ts, copied, with every chunk embedded by the fixture server (cached). */
async function semanticIndex(ctx: BenchContext, keywordDb: string, root: string): Promise<{ dbPath: string; url: () => string; close: () => Promise<void> }> {
  const dir = cacheDir('related-semantic', keywordDb, String(DIMS), sourceHash('src/core/embed'), sourceHash('src/core/storage/sqlite'), sourceHash('schema'));
  const dbPath = path.join(dir, 'index.db');
  const fx = await startFixtureServer({ models: { [`${MODEL}:latest`]: DIMS }, embed: denseVector });
  const done = path.join(dir, 'done');
  if (fs.existsSync(done)) {
    ctx.log(`related: reusing the cached 100K-chunk index with vectors in ${dir}`);
  } else {
    for (const old of fs.readdirSync(path.dirname(dir))) {
      const other = path.join(path.dirname(dir), old);
      if (fs.existsSync(path.join(other, 'related-semantic-index'))) fs.rmSync(other, { recursive: true, force: true });
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'related-semantic-index'), 'the 100K-chunk index of bench/keyword.ts with vectors, for bench/related.ts\n');
    for (const s of ['', '-wal', '-shm']) fs.rmSync(dbPath + s, { force: true });
    fs.copyFileSync(keywordDb, dbPath);
    if (fs.existsSync(`${keywordDb}-wal`)) fs.copyFileSync(`${keywordDb}-wal`, `${dbPath}-wal`);
    ctx.log(`related: embedding the 100K chunks (${DIMS}-d dense bags of words from the fixture server) into ${dir}`);
    const t0 = performance.now();
    const lore = await createLore({ root, dbPath, embedder: { provider: 'ollama', host: fx.url, model: MODEL }, embedding: { background: true } });
    try {
      await lore.index();
      await lore.embeddingIdle();
      const s = await lore.status();
      if (s.embedder.state !== 'live' || s.queue.pending) throw new Error(`related: the embedder is ${s.embedder.state} (${s.embedder.reason ?? ''}), ${s.queue.pending} documents without vectors`);
    } finally {
      await lore.close();
    }
    fs.writeFileSync(done, `${new Date().toISOString()} ${Math.round((performance.now() - t0) / 1000)} s\n`);
  }
  return { dbPath, url: () => fx.url, close: () => fx.close() };
}

interface LinkCase {
  source: string;
  line: number;
  target: string;
  rank: number;
  ms: number;
}

/** rust-book: for each link to another document (SUMMARY.md, the table of contents, left out), where the linked document comes among the section's similar passages. */
async function quality(ctx: BenchContext): Promise<{ cases: LinkCase[]; root: string; chunks: number; files: number } | undefined> {
  const root = path.join(CORPORA, 'rust-book', 'src');
  if (!fs.existsSync(root)) return undefined;
  const lore = await createLore({ root, dbPath: path.join(ctx.tmp, 'related-rust-book.db') });
  try {
    await lore.index();
    const status = await lore.status();
    const files = fs.readdirSync(root).filter((f) => f.endsWith('.md')).sort();
    const cases: LinkCase[] = [];
    for (const f of files) {
      if (f === 'SUMMARY.md') continue;
      for (const l of (await lore.links(f))?.linksFrom ?? []) {
        if (!l.path || l.state === 'file' || l.path === f || l.path === 'SUMMARY.md') continue;
        const t0 = performance.now();
        const r = await lore.related(f, { line: l.line, limit: 10 });
        const took = performance.now() - t0;
        const rank = (r?.similar.passages ?? []).findIndex((p) => p.path === l.path) + 1;
        cases.push({ source: f, line: l.line, target: l.path, rank, ms: took });
      }
    }
    return { cases, root, chunks: status.chunks, files: status.documents };
  } finally {
    await lore.close();
  }
}

function hitAt(cases: LinkCase[], k: number): number {
  return cases.filter((c) => c.rank >= 1 && c.rank <= k).length / cases.length;
}
function mrr(cases: LinkCase[]): number {
  return cases.reduce((s, c) => s + (c.rank ? 1 / c.rank : 0), 0) / cases.length;
}

export async function runRelated(ctx: BenchContext): Promise<string> {
  const { root, dbPath } = await buildIndex(ctx);
  const list = pairs(root, PAIRS, 21);
  const warm = pairs(root, WARM, 22);
  const out: string[] = [];

  // Keyword mode: no embedder.
  ctx.log(`related: keyword mode, ${list.length} pairs`);
  const kwStorage = await openStorage({ dbPath });
  const kwLore = await createLore({ root, storage: kwStorage });
  let kw: { first: Pass; passes: Pass[] };
  let steps: Record<string, number[]>;
  let chunks: number;
  try {
    chunks = (await kwLore.status()).chunks;
    kw = await measure(ctx, kwLore, list, warm, 'keyword');
    steps = await keywordSteps(kwStorage, root, Math.min(100, list.length));
  } finally {
    await kwLore.close();
  }

  // Semantic mode: every chunk has a vector.
  const sem = await semanticIndex(ctx, dbPath, root);
  let sm: { first: Pass; passes: Pass[] };
  let semSteps: Record<string, number[]>;
  let semBytes: number;
  try {
    ctx.log(`related: semantic mode, ${list.length} pairs`);
    const storage = await openStorage({ dbPath: sem.dbPath });
    const lore = await createLore({ root, storage, embedder: { provider: 'ollama', host: sem.url(), model: MODEL } });
    try {
      await lore.embedderChecked();
      const s = await lore.status();
      if (s.embedder.state !== 'live') throw new Error(`related: the embedder is ${s.embedder.state}: ${s.embedder.reason ?? ''}`);
      sm = await measure(ctx, lore, list, warm, 'semantic');
      semSteps = await semanticSteps(storage, root, pairs(root, Math.min(100, list.length), 23));
    } finally {
      await lore.close();
    }
    semBytes = dbBytes(sem.dbPath);
  } finally {
    await sem.close();
  }

  const best = (ps: Pass[]) => ps.reduce((a, b) => (percentile(b.wall, 0.95) < percentile(a.wall, 0.95) ? b : a));
  const med = (ps: Pass[]) => [...ps].sort((a, b) => percentile(a.wall, 0.95) - percentile(b.wall, 0.95))[Math.floor(ps.length / 2)];
  const verdict = (p: Pass) => (percentile(p.wall, 0.95) <= TARGET_MS ? 'met' : '**not met**');
  const row = (mode: string, r: { first: Pass; passes: Pass[] }) => [
    `| ${mode}, first time each pair is asked | ${fig(r.first.wall)} | p50 ${ms(percentile(r.first.cpu, 0.5))}, p95 ${ms(percentile(r.first.cpu, 0.95))} | ${methodsOf(r.first)} | ${verdict(r.first)} |`,
    `| ${mode}, best repeated pass (median of ${r.passes.length}) | ${fig(best(r.passes).wall)} (median p95 ${ms(percentile(med(r.passes).wall, 0.95))}) | p50 ${ms(percentile(best(r.passes).cpu, 0.5))}, p95 ${ms(percentile(best(r.passes).cpu, 0.95))} | ${methodsOf(best(r.passes))} | ${verdict(best(r.passes))} |`,
  ];
  const commonWords = steps.commonWords;
  out.push(
    `Index: bench/keyword.ts's ${chunks.toLocaleString('en-US')} chunks (14,300 generated documents, seed 42). Semantic: a copy of it whose chunks the embedding queue filled through the Ollama API from the test fixture server (\`denseVector\` of \`test/fixtures/ollamaServer.ts\`: a seeded random direction per word, summed, ${DIMS} dimensions; dense like a model's vectors, so the sign-bit prefilter works as it does on real ones), database ${mb(semBytes)}.`,
    `Pairs: ${list.length} (path, line) pairs, a document and a line of it drawn uniformly (seed 21), each \`await lore.related(path, { line })\` in process (default limit 10 similar passages, links both ways), wall time; ${WARM} other pairs asked first (statements prepared, the vectors loaded). "First time" is each pair's first call (what a cursor settling on a section costs); the repeated passes ask the same pairs again (the keyword index keeps 64 rankings of common words: little help for 200 pairs). Target: p95 ≤ ${TARGET_MS} ms.`,
    '',
    '| mode, pass | wall | CPU time | method used | target ≤ 50 ms p95 |',
    '| --- | --- | --- | --- | --- |',
    ...row('keyword (no embedder)', kw),
    ...row(`semantic (${DIMS}-d vectors)`, sm),
    '',
    `Where the time goes: the steps of \`findRelated\` run one after another, each timed alone (p50 / p95 / max; the call itself runs the two link reads beside the similar passages), on ${steps.read.length} pairs not asked before (seed 23), after the passes above.`,
    '',
    '| step | keyword mode | semantic mode |',
    '| --- | --- | --- |',
    `| read the document (\`documents.read\`, every chunk) | ${brief(steps.read)} | ${brief(semSteps.read)} |`,
    `| keyword: the section's distinctive words (\`distinctiveTerms\`: \`explainTerms\` over up to 32 candidate words, at most 2 in more than 1,000 chunks and 8,000 matches in all past the first 8 words) | ${brief(steps.terms)} | - |`,
    `| keyword: search with the 20 words (\`keyword.rows\`, 11 rows, one per document) | ${brief(steps.search)} | - |`,
    `| semantic: the section's vector from the embedding cache (\`vectors.cached\`) | - | ${brief(semSteps.cached)} |`,
    `| semantic: nearest 11 passages, one per document (\`vectors.nearest\`) | - | ${semSteps.nearest.length ? brief(semSteps.nearest) : 'no vector found'} |`,
    `| links to the document (\`linksTo\`) | ${brief(steps.to)} | ${brief(semSteps.to)} |`,
    `| links from the document (\`linksFrom\`, the headings they name) | ${brief(steps.from)} | ${brief(semSteps.from)} |`,
    '',
    `What-ifs, not what Related does (the same kind of search with fewer words, each on ${steps.max2.length} pairs of its own, seeds 24-26; their quality is not measured at this scale): of the 20 words, those in more than 1,000 chunks (where the keyword index stops ranking MaxScore-style and scores every match of the query, \`src/core/storage/sqlite/candidates.ts\`): median ${median(commonWords)}, max ${Math.max(...commonWords)}. ` +
      `The search with at most 2 such words kept: ${brief(steps.max2)}; with the first 12 words: ${brief(steps.twelve)}; with the first 8: ${brief(steps.eight)}.`,
  );

  // Quality on rust-book.
  ctx.log('related: Similar on rust-book');
  const q = await quality(ctx);
  out.push('', '### Keyword "Similar" on rust-book');
  if (!q || !q.cases.length) {
    out.push('', `Skipped: no rust-book at ${path.join(CORPORA, 'rust-book', 'src')}.`);
  } else {
    const times = q.cases.map((c) => c.ms).sort((a, b) => a - b);
    const chToCh = q.cases.filter((c) => c.source.startsWith('ch') && c.target.startsWith('ch'));
    const line = (name: string, cs: LinkCase[]) => `| ${name} | ${cs.length} | ${f3(hitAt(cs, 1))} | **${f3(hitAt(cs, 5))}** | ${f3(hitAt(cs, 10))} | **${f3(mrr(cs))}** |`;
    out.push(
      '',
      `Corpus: \`../shared/corpora/rust-book/src\`, ${q.files} documents, ${q.chunks.toLocaleString('en-US')} chunks, keyword only. For each link from one document to another indexed document (as \`lore.links\` resolves them; SUMMARY.md, the table of contents, left out as a source and as a target; images left out), \`lore.related(source, { line: the link's line, limit: 10 })\`: ` +
        `is the linked document among the similar passages (one per document, the source document left out), and where. hit@k = share of links whose target is in the first k; MRR@10 = mean of 1/rank (0 when not in the 10). The section's 20 most distinctive words are searched (\`TERMS\` in \`src/core/related/similar.ts\`). Latency on this small index: p50 ${ms(percentile(times, 0.5))}, p95 ${ms(percentile(times, 0.95))}.`,
      '',
      '| links | count | hit@1 | hit@5 | hit@10 | MRR@10 |',
      '| --- | --- | --- | --- | --- | --- |',
      line('every link to another document', q.cases),
      line('chapter to chapter (`ch*` to `ch*`)', chToCh),
    );
  }
  return out.join('\n');
}
