import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main';
import { runEval } from '../../src/cli/eval';
import { LoreError } from '../../src/core/errors';
import { evaluate } from '../../src/core/eval/run';
import { buildKnownItemSet, makeQuery, proseOf, queryWords } from '../../src/core/eval/knownItem';
import { seededRandom } from '../../src/core/eval/seeded';
import { mrrAt, ndcgAt, recallAt, relevantInTop, scoreRun } from '../../src/core/eval/metrics';
import { type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';

async function run(argv: string[], signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s), isTTY: false, errIsTTY: false };
  const code = argv[0] === 'eval' && signal ? await runEval(argv.slice(1), io, signal) : await main(argv, io, signal);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const rel = (pairs: Record<string, number>) => new Map(Object.entries(pairs));

describe('eval metrics', () => {
  it('nDCG@10 with graded relevance: linear gain, log2(rank + 1) discount, ideal ordering', async () => {
    const judged = rel({ a: 2, b: 1 });
    assert.equal(ndcgAt(['a', 'b', 'x'], judged), 1);
    // b at rank 1 (gain 1), a at rank 3 (gain 2 / log2 4 = 1); ideal 2 + 1/log2 3.
    const got = ndcgAt(['b', 'x', 'a'], judged);
    assert.ok(Math.abs(got - 2 / (2 + 1 / Math.log2(3))) < 1e-12, String(got));
    assert.equal(ndcgAt(['x', 'y'], judged), 0);
    // Past the cut-off counts for nothing.
    assert.equal(ndcgAt([...'cdefghijkl'].concat('a'), judged), 0);
  });

  it('MRR@10: 1 / rank of the first relevant result, 0 past 10', async () => {
    const judged = rel({ c: 1 });
    assert.equal(mrrAt(['c', 'a'], judged), 1);
    assert.equal(mrrAt(['a', 'b', 'c'], judged), 1 / 3);
    assert.equal(mrrAt([...'abdefghijk', 'c'], judged), 0);
  });

  it('recall@k and relevant-in-top-k', async () => {
    const judged = rel({ a: 1, b: 1, c: 1, d: 1 });
    assert.equal(recallAt(['a', 'x', 'b'], judged, 100), 0.5);
    assert.equal(recallAt(['x', 'a'], judged, 1), 0);
    assert.equal(recallAt([], new Map(), 10), 0);
    assert.equal(relevantInTop(['a', 'x', 'b', 'c'], judged, 3), 2);
  });

  it('scoreRun averages over the judged queries that were run', async () => {
    const qrels = new Map([['q1', rel({ a: 1 })], ['q2', rel({ b: 1 })], ['q3', rel({ c: 1 })]]);
    const m = scoreRun(new Map([['q1', ['a']], ['q2', ['x', 'b']]]), qrels);
    assert.equal(m.perQuery.size, 2);
    assert.equal(m.mrr10, (1 + 0.5) / 2);
    assert.equal(m.recall10, 1);
  });
});

describe('known-item queries', () => {
  it('prose leaves out code, front matter, HTML and URLs; the first heading is the title', async () => {
    const p = proseOf(
      '---\ntitle: Ignored frontmatter\n---\n# The Title\n\nSome `inlinecode` words and a [link text](https://example.com/secretpath) plus https://bare.example/url.\n\n' +
        '```rust\nfn hidden_function() {}\n```\n\n    indented codeblock\n\n<div>htmlblock</div>\n\n[ref]: https://ref.example/target\n\n## Second heading\n\n| cell words |\n|---|\n| tablecell |\n',
    );
    assert.equal(p.heading, 'The Title');
    for (const w of ['Some', 'words', 'link text', 'Second heading', 'tablecell']) assert.ok(p.text.includes(w), `${w} in ${p.text}`);
    for (const w of ['frontmatter', 'inlinecode', 'secretpath', 'bare.example', 'hidden_function', 'codeblock', 'htmlblock', 'ref.example', 'The Title']) assert.ok(!p.text.includes(w), `${w} not in ${p.text}`);
    assert.deepEqual(queryWords("The borrow checker's rules, 2024 and v2 don't it"), ['borrow', 'checker', 'rules']);
  });

  it('a query has 3 to 6 words, never two of one stem, and at least 2 outside the title', async () => {
    const tf = new Map([['alpha', 5], ['beta', 4], ['gamma', 3], ['gammas', 3], ['delta', 1], ['title', 9]]);
    for (let seed = 0; seed < 50; seed++) {
      const q = makeQuery(tf, () => 1, new Set(['title', 'alpha', 'beta']), seededRandom(seed))!;
      assert.ok(q.length >= 3 && q.length <= 6, q.join(' '));
      assert.ok(!(q.includes('gamma') && q.includes('gammas')), q.join(' '));
      assert.ok(q.filter((w) => !['title', 'alpha', 'beta'].includes(w)).length >= 2, q.join(' '));
    }
    assert.equal(makeQuery(new Map([['only', 1], ['two', 1]]), () => 1, new Set(), seededRandom(1)), undefined);
  });
});

/** A tiny BEIR set: 5 documents, 3 queries (q1 and q2 have one obvious answer, q3 a graded pair). */
function makeBeir(dir: string): void {
  fs.mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  const docs = [
    { _id: 'd1', title: 'Sourdough starters', text: 'A sourdough starter is flour and water fermented by wild yeast and lactobacilli.' },
    { _id: 'd2', title: 'Postgres replication', text: 'Streaming replication ships the write-ahead log from the primary to standby servers.' },
    { _id: 'd3', title: 'Bicycle gears', text: 'A derailleur moves the chain between sprockets so the rider can change gear ratio.' },
    { _id: 'd4', title: 'Tide pools', text: 'Anemones, barnacles and sea stars live in tide pools between high and low water.' },
    { _id: 'd5/x', title: 'Yeast biology', text: 'Saccharomyces yeast ferments sugar into ethanol and carbon dioxide.' },
  ];
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  const queries = [
    { _id: 'q1', text: 'derailleur sprockets chain' },
    { _id: 'q2', text: 'write-ahead log standby replication' },
    { _id: 'q3', text: 'yeast fermentation' },
    { _id: 'q9', text: 'not judged' },
  ];
  fs.writeFileSync(path.join(dir, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td3\t1\nq2\td2\t1\nq3\td5/x\t2\nq3\td1\t1\n');
}

/** A small folder of generated notes, each with its own vocabulary and some shared words. */
function makeNotes(dir: string, n: number): void {
  const shared = ['project', 'team', 'service', 'release', 'design', 'plan'];
  const random = seededRandom(42);
  const word = () => Array.from({ length: 5 + Math.floor(random() * 4) }, () => 'bcdfghklmnprstvz'[Math.floor(random() * 16)] + 'aeiou'[Math.floor(random() * 5)]).join('').slice(0, 9);
  for (let i = 0; i < n; i++) {
    const own = Array.from({ length: 12 }, word);
    const sentences = Array.from({ length: 8 }, () => Array.from({ length: 9 }, () => (random() < 0.4 ? shared[Math.floor(random() * shared.length)] : own[Math.floor(random() * own.length)])).join(' ') + '.');
    fs.mkdirSync(path.join(dir, i % 2 ? 'notes' : 'docs'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, i % 2 ? 'notes' : 'docs', `note-${i}.md`),
      `# Note ${own[0]} ${i}\n\n${sentences.slice(0, 4).join(' ')}\n\n\`\`\`js\nconst zzcodeword = 1;\n\`\`\`\n\n## More\n\n${sentences.slice(4).join(' ')} See [the docs](https://example.com/zzurlword).\n`,
    );
  }
}

describe('lore eval', () => {
  let base: string;
  let beir: string;
  let notes: string;
  before(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-evalcli-'));
    beir = path.join(base, 'beir');
    notes = path.join(base, 'notes');
    makeBeir(beir);
    makeNotes(notes, 12);
    // No built-in model on disk, whatever this machine has downloaded: auto then meets a missing model.
    process.env.LORE_MODEL_DIR = path.join(base, 'models');
  });
  after(() => {
    delete process.env.LORE_MODEL_DIR;
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('a BEIR set: the report has the baseline first, then Lore; an obvious query scores MRR 1', async () => {
    const r = await run(['eval', beir, '--json', '--embed-provider', 'none']);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.kind, 'beir');
    assert.equal(report.documents, 5);
    assert.equal(report.queries, 3); // q9 has no judgement
    assert.match(report.qrels, /test\.tsv$/);
    assert.deepEqual(report.systems.map((s: { system: string }) => s.system), ['plain FTS5 BM25', 'Lore keyword']);
    for (const s of report.systems) {
      for (const k of ['ndcg10', 'mrr10', 'recall10', 'recall100', 'p50Ms', 'p95Ms', 'relevantTop10']) assert.equal(typeof s[k], 'number', `${s.system} ${k}`);
      assert.ok(s.ndcg10 > 0 && s.ndcg10 <= 1);
      assert.equal(s.queries, 3);
      assert.equal(s.perQuery, undefined);
      assert.equal(s.runs, undefined);
    }
    const detailed = JSON.parse((await run(['eval', beir, '--json', '--per-query', '--embed-provider', 'none'])).out);
    for (const s of detailed.systems) {
      const q1 = s.perQuery.find((q: { query: string }) => q.query === 'q1');
      assert.equal(q1.mrr10, 1, s.system);
      assert.equal(q1.top10[0], 'd3');
      const q3 = s.perQuery.find((q: { query: string }) => q.query === 'q3');
      assert.ok(q3.top10.includes('d5/x'), `${s.system}: ${q3.top10}`); // an id with a slash maps back from its file name
    }
  });

  it('a BEIR set as a table; --queries takes the first N', async () => {
    const r = await run(['eval', beir, '--queries', '2', '--embed-provider', 'none']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(r.out, /2 queries judged in qrels\/test\.tsv, 5 documents/);
    const header = lines.findIndex((l) => l.startsWith('system'));
    assert.match(lines[header], /^system\s+nDCG@10\s+MRR@10\s+recall@100\s+p50\s+p95\s+queries$/);
    assert.match(lines[header + 2], /^plain FTS5 BM25\s+1\.000\s+1\.000\s+1\.000 .* 2$/);
    assert.match(lines[header + 3], /^Lore keyword\s/);
  });

  it('with an embedder that answers: keyword, semantic and hybrid by default; one that does not: keyword, said why', async () => {
    const fx: FixtureServer = await startFixtureServer();
    try {
      const r = await run(['eval', beir, '--json', '--embed-host', fx.url]);
      assert.equal(r.code, 0, r.err);
      const report = JSON.parse(r.out);
      assert.deepEqual(report.systems.map((s: { system: string }) => s.system), ['plain FTS5 BM25', 'Lore keyword', 'Lore semantic', 'Lore hybrid']);
      assert.equal(report.embedder.state, 'live');
      assert.equal(report.embedder.pendingDocuments, 0);
      for (const s of report.systems) assert.equal(s.fallback, undefined, s.system);
      assert.ok(fx.embedRequests() > 0);
      const only = JSON.parse((await run(['eval', beir, '--json', '--embed-host', fx.url, '--mode', 'hybrid'])).out);
      assert.deepEqual(only.systems.map((s: { system: string }) => s.system), ['plain FTS5 BM25', 'Lore hybrid']);
    } finally {
      await fx.stop();
    }
    const down = await run(['eval', beir, '--json', '--embed-provider', 'ollama', '--embed-host', fx.url]);
    assert.equal(down.code, 0, down.err);
    assert.deepEqual(JSON.parse(down.out).systems.map((s: { system: string }) => s.system), ['plain FTS5 BM25', 'Lore keyword']);
    assert.match(down.err, /semantic and hybrid skipped: .* does not answer/);
    const asked = await run(['eval', beir, '--embed-provider', 'ollama', '--embed-host', fx.url, '--mode', 'semantic']);
    assert.equal(asked.code, 2);
    assert.match(asked.err, /--mode semantic needs an embedder that answers/);
    // auto (the default): Ollama is down, so the built-in model, which is not downloaded: say so, keyword only.
    const auto = await run(['eval', beir, '--json', '--embed-host', fx.url]);
    assert.equal(auto.code, 0, auto.err);
    assert.deepEqual(JSON.parse(auto.out).systems.map((s: { system: string }) => s.system), ['plain FTS5 BM25', 'Lore keyword']);
    assert.match(auto.err, /semantic and hybrid skipped: the built-in model bge-small-en-v1\.5 \(32\.9 MB, MIT licence\) .* pass --yes/);
    assert.doesNotMatch(auto.err, /does not answer/, 'one reason, not two');
    const autoAsked = await run(['eval', beir, '--embed-host', fx.url, '--mode', 'hybrid']);
    assert.equal(autoAsked.code, 2);
    assert.match(autoAsked.err, /--mode hybrid needs an embedder: the built-in model .* pass --yes/);
  });

  it('a markdown folder: known-item queries from each note, deterministic, in a temp index', async () => {
    const r = await run(['eval', notes, '--json', '--per-query', '--queries', '8', '--embed-provider', 'none']);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.kind, 'known-item');
    assert.equal(report.files, 12);
    assert.equal(report.queries, 8);
    assert.equal(report.knownItems.length, 8);
    assert.equal(new Set(report.knownItems.map((q: { target: string }) => q.target)).size, 8);
    for (const q of report.knownItems) {
      assert.ok(fs.existsSync(path.join(notes, q.target)), q.target);
      const words = q.text.split(' ');
      assert.ok(words.length >= 3 && words.length <= 6, q.text);
      assert.ok(!/zzcodeword|zzurlword|https/.test(q.text), q.text);
    }
    assert.deepEqual(report.systems.map((s: { system: string }) => s.system), ['plain FTS5 BM25', 'Lore keyword']);
    for (const s of report.systems) {
      assert.equal(s.queries, 8);
      assert.ok(s.recall10 >= 0.75, `${s.system} success@10 ${s.recall10}`); // each note has its own vocabulary
      assert.ok(s.mrr10 > 0 && s.mrr10 <= 1);
    }
    assert.ok(!fs.existsSync(path.join(notes, '.lore')), 'the folder is left alone');
    const again = await buildKnownItemSet(notes, { queries: 8 });
    assert.deepEqual(again.queries, report.knownItems);
    const other = await buildKnownItemSet(notes, { queries: 8, seed: 2 });
    assert.notDeepEqual(other.queries, report.knownItems);

    const table = await run(['eval', notes, '--queries', '4', '--embed-provider', 'none']);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^Known-item evaluation of .*: 4 queries/);
    assert.match(table.out, /system\s+MRR@10\s+success@10\s+nDCG@10\s+p50\s+p95\s+queries/);
  });

  it('bad input is a clear message and exit 2', async () => {
    const empty = path.join(base, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    fs.writeFileSync(path.join(empty, 'readme.txt'), 'not markdown');
    const noJudgements = path.join(base, 'nojudge.tsv');
    fs.writeFileSync(noJudgements, 'query-id\tcorpus-id\tscore\nq1\td1\t0\n');
    const unknownQueries = path.join(base, 'unknown.tsv');
    fs.writeFileSync(unknownQueries, 'q77\td1\t1\n');
    const cases: Array<[string[], RegExp]> = [
      [['eval'], /lore eval needs a folder/],
      [['eval', path.join(base, 'missing')], /Not a folder: .*missing/],
      [['eval', beir, '--qrels', path.join(base, 'nope.tsv')], /qrels file .*nope\.tsv does not exist/],
      [['eval', beir, '--qrels', noJudgements], /has no judgements/],
      [['eval', beir, '--qrels', unknownQueries], /no query in .*queries\.jsonl has a judgement/],
      [['eval', empty], /holds no markdown files/],
      [['eval', notes, '--qrels', noJudgements], /--qrels is for BEIR folders/],
      [['eval', beir, '--mode', 'fuzzy'], /--mode takes keyword, semantic or hybrid, not "fuzzy"/],
      [['eval', beir, '--mode', 'semantic', '--embed-provider', 'none'], /needs an embedder/],
      [['eval', beir, '--queries', '0'], /--queries takes a whole number of at least 1/],
      [['eval', beir, '--bogus'], /Unknown option '--bogus'/],
      [['eval', beir, notes], /takes one folder, not 2/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv.includes('--embed-provider') ? argv : [...argv, '--embed-provider', 'none']);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, message, argv.join(' '));
    }
    const corrupt = path.join(base, 'corrupt');
    makeBeir(corrupt);
    fs.appendFileSync(path.join(corrupt, 'corpus.jsonl'), '{not json\n');
    const r = await run(['eval', corrupt, '--embed-provider', 'none']);
    assert.equal(r.code, 2);
    assert.match(r.err, /corpus\.jsonl:6 is not JSON/);
    assert.match((await run(['eval', '--help'])).out, /^lore eval: retrieval quality/);
    assert.match((await run(['--help'])).out, /lore eval <dir>/);
  });

  it('Ctrl-C stops it: exit 130, temp files removed', async () => {
    const before = new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('lore-eval-')));
    const aborted = new AbortController();
    aborted.abort();
    const r = await run(['eval', beir, '--embed-provider', 'none'], aborted.signal);
    assert.equal(r.code, 130);
    assert.match(r.err, /Cancelled/);
    // Mid-run, at known points: while indexing, and while searching (a timer would race a fast machine).
    for (const phase of ['indexing', 'searching'] as const) {
      const mid = new AbortController();
      const notesSet = await buildKnownItemSet(notes, { queries: 8 });
      await assert.rejects(
        evaluate(notesSet, { signal: mid.signal, onProgress: (p) => p.phase === phase && mid.abort() }),
        (err: unknown) => err instanceof LoreError && err.code === 'ABORTED',
        phase,
      );
    }
    // Through the CLI, after it started: the embedder does not answer, the note about it is printed, Ctrl-C then.
    const fx = await startFixtureServer();
    await fx.stop();
    const mid = new AbortController();
    const err: string[] = [];
    const io = { out: () => {}, err: (s: string) => { err.push(s); mid.abort(); }, isTTY: false, errIsTTY: false };
    assert.equal(await runEval([notes, '--embed-host', fx.url], io, mid.signal), 130);
    assert.match(err[0], /semantic and hybrid skipped/);
    assert.match(err.at(-1)!, /Cancelled/);
    const left = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('lore-eval-') && !before.has(f));
    assert.deepEqual(left, []);
  });
});
