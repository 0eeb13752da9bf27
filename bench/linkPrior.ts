/**
 * The link prior (src/core/search/linkPrior.ts), measured: rust-book link known-item queries
 * (src/core/eval/linkItems.ts; the linking document is the current document), a grid of weights on
 * the dev half, then the held-out test half once for the weights chosen (TUNED_LINK_PRIOR) and for
 * the default (DEFAULT_LINK_PRIOR: the linked part only), keyword and hybrid;
 * SciFact dev (no links: the lists must be identical), keyword and hybrid; rust-book known-item
 * queries (targets drawn uniformly, no current document: only the inbound part acts); and what the
 * prior costs per search at 100,000 chunks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadBeir, writeBeirMarkdown } from '../src/core/eval/beir';
import { buildKnownItemSet } from '../src/core/eval/knownItem';
import { buildLinkItemSet, type LinkItemSet, withUnlinkedCurrentDocument } from '../src/core/eval/linkItems';
import { mrrAt, recallAt } from '../src/core/eval/metrics';
import { type EvalSet, evaluate, type SystemResult } from '../src/core/eval/run';
import { seededRandom } from '../src/core/eval/seeded';
import { DEFAULT_LINK_PRIOR, type LinkPrior, LINK_PRIOR_OFF, PRIOR_DEPTH, TUNED_LINK_PRIOR } from '../src/core/search/linkPrior';
import type { SearchOptions } from '../src/core/search/types';
import { createLore } from '../src/core/service';
import { startFixtureServer } from '../test/fixtures/ollamaServer';
import { buildIndex } from './keyword';
import { benchQueries } from './queries';
import { type BenchContext, ms, percentile, REPO } from './util';

const CORPORA = path.join(REPO, '..', 'shared', 'corpora');
const f4 = (x: number) => x.toFixed(4);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
const INBOUND = [0, 0.02, 0.05, 0.1, 0.2];
const LINKED = [0, 0.05, 0.1, 0.25, 0.5];
const label = (p: LinkPrior) => `inbound ${p.inbound}, linked ${p.linked}`;
const same = (a: LinkPrior, b: LinkPrior) => a.inbound === b.inbound && a.linked === b.linked;

/** MRR@10 and success@10 of the queries of one kind. */
function byKind(r: SystemResult, set: LinkItemSet, kind: string): { mrr: number; success: number; n: number } {
  const qs = set.queries.filter((q) => q.kind === kind);
  let mrr = 0;
  let success = 0;
  for (const q of qs) {
    const ranked = r.runs.get(q.id) ?? [];
    const rel = set.qrels.get(q.id)!;
    mrr += mrrAt(ranked, rel);
    success += recallAt(ranked, rel, 10);
  }
  return { mrr: qs.length ? mrr / qs.length : 0, success: qs.length ? success / qs.length : 0, n: qs.length };
}

/** How many queries got the same ranked list from two systems. */
function identical(a: SystemResult, b: SystemResult): number {
  let n = 0;
  for (const [q, ranked] of a.runs) if ((b.runs.get(q) ?? []).join('\n') === ranked.join('\n')) n++;
  return n;
}

const variant = (p: LinkPrior) => ({ name: label(p), search: { linkPrior: p } as Pick<SearchOptions, 'linkPrior'> });

/** Known-item queries of rust-book asked from a current document that does not link to the answer (the cost side of the linked boost). */
async function unlinkedSet(seed: number) {
  const root = path.join(CORPORA, 'rust-book');
  const ki = await buildKnownItemSet(root, { queries: 200, seed });
  return { ...ki, queries: await withUnlinkedCurrentDocument(root, ki.queries, seed) };
}

/** Chosen on dev: the best link-query MRR@10 among the weights that lose at most this much MRR@10 on the unlinked known-item queries (seed 1). */
const GUARD = 0.001;

async function linkQueries(ctx: BenchContext, root: string): Promise<string[]> {
  const dev = await buildLinkItemSet(root, { split: 'dev' });
  const test = await buildLinkItemSet(root, { split: 'test' });
  const grid = INBOUND.flatMap((inbound) => LINKED.map((linked) => ({ inbound, linked }))).filter((p) => p.inbound || p.linked);
  const off = { linkPrior: LINK_PRIOR_OFF };
  ctx.log(`link-prior: rust-book link queries, dev (${dev.queries.length}), ${grid.length} weightings`);
  const devReport = await evaluate(dev, { modes: ['keyword'], depth: 10, dbPath: path.join(ctx.tmp, 'links-dev.db'), search: off, variants: grid.map(variant), log: ctx.log });
  ctx.log('link-prior: known-item queries from an unlinked current document, seed 1 (the guard), same weightings');
  const guardSet = await unlinkedSet(1);
  const guardReport = await evaluate(guardSet, { modes: ['keyword'], depth: 10, dbPath: path.join(ctx.tmp, 'links-guard.db'), search: off, variants: grid.map(variant), log: ctx.log });
  const sys = (r: typeof devReport, p: LinkPrior) => r.systems.find((s) => s.system === (p.inbound || p.linked ? `Lore keyword, ${label(p)}` : 'Lore keyword'))!;
  const devOff = sys(devReport, LINK_PRIOR_OFF);
  const guardOff = sys(guardReport, LINK_PRIOR_OFF);
  const kinds = (r: SystemResult, set: LinkItemSet) => `${f4(byKind(r, set, 'anchor').mrr)} | ${f4(byKind(r, set, 'section').mrr)}`;
  // The rule, applied to what this run measured (TUNED_LINK_PRIOR is what the code uses: they should agree).
  const allowed = grid.filter((p) => sys(guardReport, p).mrr10 >= guardOff.mrr10 - GUARD);
  const best = (ps: LinkPrior[]) => ps.reduce<LinkPrior | undefined>((b, p) => (!b || sys(devReport, p).mrr10 > sys(devReport, b).mrr10 ? p : b), undefined);
  const pick = best(allowed);
  // The default takes the linked part only: it acts only with a current document (no search without one changes).
  const pickDefault = best(allowed.filter((p) => p.inbound === 0));
  const devRows = [LINK_PRIOR_OFF, ...grid].map((p) => {
    const r = sys(devReport, p);
    const g = sys(guardReport, p);
    const mark = same(p, TUNED_LINK_PRIOR) ? ' **(chosen)**' : same(p, DEFAULT_LINK_PRIOR) ? ' **(default)**' : '';
    return `| ${p.inbound || p.linked ? `${p.inbound} | ${p.linked}` : 'off | off'}${mark} | ${f4(r.mrr10)} | ${f4(r.recall10)} | ${kinds(r, dev)} | ${signed(r.mrr10 - devOff.mrr10)} | ${f4(g.mrr10)} | ${signed(g.mrr10 - guardOff.mrr10)} |`;
  });
  const base = devReport.systems.find((s) => s.system === 'plain FTS5 BM25')!;

  ctx.log(`link-prior: rust-book link queries, test (${test.queries.length}), once, keyword and hybrid (hashed words)`);
  const held = [variant(TUNED_LINK_PRIOR), variant(DEFAULT_LINK_PRIOR)];
  const fx = await startFixtureServer({});
  const embedder = { provider: 'ollama' as const, host: fx.url, model: 'nomic-embed-text' };
  let testReport, heldReport, heldSet;
  try {
    testReport = await evaluate(test, { modes: ['keyword', 'hybrid'], embedder, depth: 10, dbPath: path.join(ctx.tmp, 'links-test.db'), search: off, variants: held, log: ctx.log });
    ctx.log('link-prior: known-item queries from an unlinked current document, seed 2 (held out), once');
    heldSet = await unlinkedSet(2);
    heldReport = await evaluate(heldSet, { modes: ['keyword', 'hybrid'], embedder, depth: 10, dbPath: path.join(ctx.tmp, 'links-held.db'), search: off, variants: held, log: ctx.log });
  } finally {
    await fx.close();
  }
  const named = (r: typeof testReport, mode: string, p?: LinkPrior) => r.systems.find((x) => x.system === `Lore ${mode}${p ? `, ${label(p)}` : ''}`)!;
  const testBase = testReport.systems.find((x) => x.system === 'plain FTS5 BM25')!;
  const heldBase = heldReport.systems.find((x) => x.system === 'plain FTS5 BM25')!;
  const heldRows = (mode: string) => [
    line(`link queries, test | Lore ${mode}, prior off`, named(testReport, mode), test),
    line(`link queries, test | Lore ${mode}, ${label(TUNED_LINK_PRIOR)}`, named(testReport, mode, TUNED_LINK_PRIOR), test),
    line(`link queries, test | Lore ${mode}, ${label(DEFAULT_LINK_PRIOR)} (default)`, named(testReport, mode, DEFAULT_LINK_PRIOR), test),
    line(`unlinked current document, seed 2 | Lore ${mode}, prior off`, named(heldReport, mode)),
    line(`unlinked current document, seed 2 | Lore ${mode}, ${label(TUNED_LINK_PRIOR)}`, named(heldReport, mode, TUNED_LINK_PRIOR)),
    line(`unlinked current document, seed 2 | Lore ${mode}, ${label(DEFAULT_LINK_PRIOR)} (default)`, named(heldReport, mode, DEFAULT_LINK_PRIOR)),
  ];
  const delta = (mode: string, p: LinkPrior) =>
    `${label(p)}, ${mode}: link queries MRR@10 ${signed(named(testReport, mode, p).mrr10 - named(testReport, mode).mrr10)}, unlinked current document ${signed(named(heldReport, mode, p).mrr10 - named(heldReport, mode).mrr10)}`;
  const count = (set: LinkItemSet, kind: string) => set.queries.filter((q) => q.kind === kind).length;
  const line = (name: string, s: SystemResult, set?: LinkItemSet) =>
    `| ${name} | ${f4(s.mrr10)} | ${f4(s.recall10)} | ${f4(s.ndcg10)} | ${set ? kinds(s, set) : '- | -'} | ${ms(s.p50Ms)} | ${ms(s.p95Ms)} |`;
  return [
    '### rust-book link queries',
    '',
    `\`../shared/corpora/rust-book/src\`: ${dev.files} documents, ${dev.links} links to another document from the documents that are not a table of contents (left out as sources: ${dev.tablesOfContents.join(', ')}). Each link gives an *anchor* query (the link's text, when it has 2 or more query words: "Storing Keys with Associated Values in Hash Maps", not "Chapter 8") and a *section* query (3-6 words drawn tf x idf from the section the link's #fragment names, else the whole target; \`src/core/eval/linkItems.ts\`), searched in keyword mode with k = 10 and \`fromPath\` = the linking document; the one right answer is the linked document. ` +
      `Split by a hash of (source, target): dev ${dev.queries.length} queries (${count(dev, 'anchor')} anchor, ${count(dev, 'section')} section), test ${test.queries.length} (${count(test, 'anchor')} anchor, ${count(test, 'section')} section). ` +
      'By construction every answer is a document the current document links to (and documents many others link to are answers more often), so this set shows what the prior gains when people search for what their document points at. ' +
      `Its cost side: the known-item queries of the quality section (rust-book, 200 asked, seeds 1 and 2) asked from a current document that links to other documents but not to the answer (drawn with the seed; \`withUnlinkedCurrentDocument\`): ${guardSet.queries.length} (seed 1) and ${heldSet.queries.length} (seed 2) queries.`,
    '',
    `Dev: the weights (score x (1 + inbound x ln(1 + documents linking to it)) x (1 + linked when the current document links to it)). Plain FTS5 BM25 on the dev link queries: MRR@10 ${f4(base.mrr10)}. ` +
      `Rule: the best dev link-query MRR@10 among the weights that lose at most ${GUARD} MRR@10 on the unlinked queries of seed 1 (a quarter of one query falling from first to second). ` +
      `This run's pick: ${pick ? label(pick) : 'none'}${pick && same(pick, TUNED_LINK_PRIOR) ? ' (= TUNED_LINK_PRIOR)' : ` (TUNED_LINK_PRIOR is ${label(TUNED_LINK_PRIOR)})`}. ` +
      `The default keeps the linked part only (inbound 0: a search with no current document is the same as off), by the same rule: ${pickDefault ? label(pickDefault) : 'none'}${pickDefault && same(pickDefault, DEFAULT_LINK_PRIOR) ? ' (= DEFAULT_LINK_PRIOR)' : ` (DEFAULT_LINK_PRIOR is ${label(DEFAULT_LINK_PRIOR)})`}.`,
    '',
    '| inbound | linked | link queries MRR@10 | success@10 | MRR@10 anchor | MRR@10 section | vs off | unlinked current document, seed 1: MRR@10 | vs off |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...devRows,
    '',
    `Held out, run once for the chosen weights (${label(TUNED_LINK_PRIOR)}) and the default (${label(DEFAULT_LINK_PRIOR)}), keyword and hybrid (the hashed-words fixture embedder of the quality section):`,
    '',
    '| set | system | MRR@10 | success@10 | nDCG@10 | MRR@10 anchor | MRR@10 section | p50 | p95 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    line('link queries, test | plain FTS5 BM25', testBase, test),
    line('unlinked current document, seed 2 | plain FTS5 BM25', heldBase),
    ...heldRows('keyword'),
    ...heldRows('hybrid'),
    '',
    `Held out, against off: ${[delta('keyword', TUNED_LINK_PRIOR), delta('keyword', DEFAULT_LINK_PRIOR), delta('hybrid', TUNED_LINK_PRIOR), delta('hybrid', DEFAULT_LINK_PRIOR)].join('; ')}.`,
  ];
}

async function scifact(ctx: BenchContext): Promise<string[]> {
  const dir = path.join(CORPORA, 'scifact');
  if (!fs.existsSync(path.join(dir, 'corpus.jsonl'))) return [`SciFact: skipped (no BEIR set at ${dir}).`];
  const beir = loadBeir(dir, path.join(dir, 'qrels', 'dev.tsv'));
  const root = path.join(ctx.tmp, 'scifact-docs');
  const byPath = writeBeirMarkdown(beir.docs, root);
  const set: EvalSet = { docs: beir.docs, queries: beir.queries, qrels: beir.qrels, root, docOfPath: (p) => byPath.get(p) };
  ctx.log('link-prior: SciFact dev, keyword and hybrid (hashed words), prior off and on');
  const fx = await startFixtureServer({});
  let report;
  try {
    report = await evaluate(set, {
      modes: ['keyword', 'hybrid'],
      embedder: { provider: 'ollama', host: fx.url, model: 'nomic-embed-text' },
      dbPath: path.join(ctx.tmp, 'links-scifact.db'),
      search: { linkPrior: LINK_PRIOR_OFF },
      variants: [variant(TUNED_LINK_PRIOR)],
      log: ctx.log,
    });
  } finally {
    await fx.close();
  }
  const get = (name: string) => report.systems.find((s) => s.system === name)!;
  const rows: string[] = [];
  for (const mode of ['keyword', 'hybrid']) {
    const offR = get(`Lore ${mode}`);
    const onR = get(`Lore ${mode}, ${label(TUNED_LINK_PRIOR)}`);
    rows.push(
      `| ${mode}${mode === 'hybrid' ? ' (hashed words)' : ''} | off | ${f4(offR.ndcg10)} | ${f4(offR.mrr10)} | ${f4(offR.recall100)} | ${ms(offR.p50Ms)} | ${ms(offR.p95Ms)} | |`,
      `| ${mode}${mode === 'hybrid' ? ' (hashed words)' : ''} | ${label(TUNED_LINK_PRIOR)} | ${f4(onR.ndcg10)} | ${f4(onR.mrr10)} | ${f4(onR.recall100)} | ${ms(onR.p50Ms)} | ${ms(onR.p95Ms)} | ${identical(offR, onR)} of ${offR.runs.size} |`,
    );
  }
  return [
    '### SciFact dev (no links)',
    '',
    `The ${beir.docs.length.toLocaleString('en-US')} abstracts as markdown, ${beir.queries.length} dev queries, k = 100, as in the quality section; no current document (the queries have none). The abstracts link to nothing, so every factor is 1 and the lists must be the same: "identical" counts the queries whose 100 ranked documents are the same, in the same order.`,
    '',
    '| mode | prior | nDCG@10 | MRR@10 | recall@100 | p50 | p95 | lists identical to off |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
}

async function knownItems(ctx: BenchContext, root: string): Promise<string[]> {
  const rows: string[] = [];
  for (const seed of [1, 2]) {
    ctx.log(`link-prior: rust-book known-item, seed ${seed}`);
    const set = await buildKnownItemSet(root, { queries: 200, seed });
    const report = await evaluate(set, { modes: ['keyword'], depth: 10, dbPath: path.join(ctx.tmp, `links-known-${seed}.db`), search: { linkPrior: LINK_PRIOR_OFF }, variants: [variant(TUNED_LINK_PRIOR)], log: ctx.log });
    const [, offR, onR] = report.systems;
    rows.push(`| seed ${seed} (${set.queries.length} queries) | ${f4(offR.mrr10)} | ${f4(onR.mrr10)} | ${signed(onR.mrr10 - offR.mrr10)} | ${f4(offR.recall10)} | ${f4(onR.recall10)} |`);
  }
  return [
    '### rust-book known-item queries (targets drawn uniformly)',
    '',
    `The known-item sets of the quality section (\`src/core/eval/knownItem.ts\`, \`../shared/corpora/rust-book\`, seeds 1 and 2), keyword, k = 10, no current document: only the inbound part acts, on targets drawn without regard to links (where a prior toward linked-to documents can cost).`,
    '',
    `| set | MRR@10 off | MRR@10 ${label(TUNED_LINK_PRIOR)} | difference | success@10 off | success@10 on |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
}

/** What the prior costs a search at 100,000 chunks: the 100 bench queries, keyword, off and on, interleaved. */
async function cost(ctx: BenchContext): Promise<string[]> {
  const { root, dbPath } = await buildIndex(ctx);
  const lore = await createLore({ root, dbPath });
  const queries = benchQueries();
  const times = { off: [] as number[], on: [] as number[], current: [] as number[] };
  // Each query asked from a document of the index that links to others (drawn with a seed): the default prior's case.
  const r = seededRandom(31);
  const linking: string[] = [];
  for (const f of await lore.files(undefined, 2000)) if (((await lore.links(f.path, { limit: 1 }))?.linksFromTotal ?? 0) > 0) linking.push(f.path);
  const from = queries.map(() => linking[Math.floor(r() * linking.length)]);
  const opts = (which: keyof typeof times, i: number): SearchOptions =>
    which === 'on' ? { linkPrior: TUNED_LINK_PRIOR } : which === 'current' ? { fromPath: from[i] } : { linkPrior: LINK_PRIOR_OFF };
  try {
    for (const [i, q] of queries.entries()) for (const which of ['on', 'current'] as const) await lore.search(q.text, { k: 10, mode: 'keyword', ...opts(which, i) }); // warm
    for (let pass = 0; pass < Math.max(2, ctx.repeat); pass++) {
      for (const [i, q] of queries.entries()) {
        for (const which of pass % 2 ? (['current', 'on', 'off'] as const) : (['off', 'on', 'current'] as const)) {
          const t0 = performance.now();
          await lore.search(q.text, { k: 10, mode: 'keyword', ...opts(which, i) });
          times[which].push(performance.now() - t0);
        }
      }
    }
  } finally {
    await lore.close();
  }
  const s = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return `p50 ${ms(percentile(v, 0.5))}, p95 ${ms(percentile(v, 0.95))}`;
  };
  return [
    '### Cost per search',
    '',
    `The 100 bench queries of the keyword section at 101K chunks (generated documents, a few links each), keyword, k = 10, interleaved, ${Math.max(2, ctx.repeat)} passes: off ${s(times.off)}; ${label(TUNED_LINK_PRIOR)} with no current document ${s(times.on)} (the prior takes ${PRIOR_DEPTH} candidates instead of 10 and asks the inbound count of their documents); ` +
      `the default (${label(DEFAULT_LINK_PRIOR)}) asked from a document that links to others (one of the ${linking.length.toLocaleString('en-US')} such among the first 2,000 files listed, drawn per query, seed 31) ${s(times.current)} (${PRIOR_DEPTH} candidates and that document's links).`,
  ];
}

export async function runLinkPrior(ctx: BenchContext): Promise<string> {
  const book = path.join(CORPORA, 'rust-book', 'src');
  if (!fs.existsSync(book)) return `Skipped: no rust-book at ${book}.`;
  const parts = [
    `The prior (\`src/core/search/linkPrior.ts\`, the \`linkPrior\` and \`fromPath\` options of search): each hit's score x (1 + inbound x ln(1 + other documents linking to its document)) x (1 + linked when the current document links to it), over the best 20 candidates (at least k), re-sorted. Default now: ${same(DEFAULT_LINK_PRIOR, LINK_PRIOR_OFF) ? '**off**' : `**${label(DEFAULT_LINK_PRIOR)}**: only a search that names the current document (\`fromPath\`; the editor's open file, \`lore search --from\`, MCP \`from_path\`) changes`}; \`linkPrior: true\` = ${label(TUNED_LINK_PRIOR)}, \`false\` = off.`,
    '',
    ...(await linkQueries(ctx, book)),
    '',
    ...(await knownItems(ctx, path.join(CORPORA, 'rust-book'))),
    '',
    ...(await scifact(ctx)),
    '',
    ...(await cost(ctx)),
  ];
  return parts.join('\n');
}
