import { errorMessage, LoreError, throwIfAborted } from '../errors';
import { markFreshness } from './freshness';
import { explanation } from './explain';
import { DEFAULT_WEIGHTS, type Fused, type FusionInfo, fuseAgreement, fuseRrf, fuseWeighted } from './fusion';
import { countByDoc, type ScoredRow, takeForDoc, toHit } from './hit';
import { checkQueryText, SEARCH_MODES } from './input';
import { groupTranslations } from './group';
import { applyLinkPrior, currentDocument, PRIOR_DEPTH, priorActive, resolveLinkPrior } from './linkPrior';
import { nameQuery, namesFirst } from './names';
import { buildKeywordQuery } from './query';
import type { KeywordIndex } from '../storage/keyword';
import type { LinkIndex } from '../storage/links';
import type { VectorIndex } from '../storage/vectors';
import type { SearchHit, SearchMode, SearchOptions, SearchResponse } from './types';

/** Where semantic search stands right now: a space that can answer, or the reason it cannot. */
export type SemanticAvailability =
  | {
      ok: true;
      model: string;
      embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array>;
      /** Texts embedded as documents in the same space (memories: a few at a time, beside the queries). */
      embedDocuments?(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
    }
  | { ok: false; reason: string };

export interface SearchDeps {
  root: string;
  keyword: KeywordIndex;
  vectors: Pick<VectorIndex, 'nearest' | 'fused'>;
  availability(): SemanticAvailability | Promise<SemanticAvailability>;
  /** The links between documents, for the link prior (without them the prior is off). */
  links?: Pick<LinkIndex, 'inbound' | 'from'>;
}

/**
 * keyword | semantic | hybrid (default). Semantic and hybrid fall back to keyword when semantic
 * search cannot answer, and the response says why; semantic fills up with keyword hits when too
 * few chunks are similar enough; hybrid fuses by agreement (default), RRF (k=60) or 0.7/0.3 weighted scores.
 */
export async function runSearch(deps: SearchDeps, query: string, opts: SearchOptions = {}): Promise<SearchResponse> {
  const t0 = performance.now();
  const k = opts.k ?? 10;
  const first = await searchOnce(deps, query, opts, k);
  // Translations took places in the list: a deeper search fills it (only in workspaces that have them).
  if (!first.grouped || first.response.results.length >= k) return first.response;
  const deeper = await searchOnce(deps, query, opts, k * 4);
  return { ...deeper.response, results: deeper.response.results.slice(0, k), ms: performance.now() - t0 };
}

async function searchOnce(deps: SearchDeps, query: string, opts: SearchOptions, k: number): Promise<{ response: SearchResponse; grouped: number }> {
  const t0 = performance.now();
  const requestedMode: SearchMode = opts.mode ?? 'hybrid';
  if (!SEARCH_MODES.includes(requestedMode)) {
    throw new LoreError('BAD_INPUT', `Unknown search mode "${String(requestedMode)}" (use keyword, semantic or hybrid)`);
  }
  checkQueryText(query);
  const perDoc = Math.max(1, opts.perDocument ?? 1);
  const terms = buildKeywordQuery(query).terms;
  const keywordTerms = buildKeywordQuery(query, { prefixLast: opts.prefixLast }).terms;
  const keywordPart = async (rank: number, row: { score: number; chunkId: number; documentBonus?: number }) => ({
    rank,
    score: row.score,
    ...(row.documentBonus ? { documentBonus: row.documentBonus } : {}),
    terms: await deps.keyword.explainTerms(query, row.chunkId, { prefixLast: opts.prefixLast }),
    weights: deps.keyword.fieldWeights,
  });
  const keywordRows = (n: number) => deps.keyword.rows(query, n, opts, { prefixLast: opts.prefixLast });
  const keywordHits = async (n: number) => {
    const hits = (await keywordRows(n)).map((r) => toHit(r, keywordTerms, r.score, 'keyword'));
    if (opts.explain) for (const [i, h] of hits.entries()) h.explain = explanation({ keyword: await keywordPart(i + 1, h) });
    return hits;
  };
  const names = opts.names === false ? undefined : nameQuery(query, opts.prefixLast);
  // The link prior re-ranks a few more candidates than it returns (off: exactly k, as before).
  const prior = resolveLinkPrior(opts.linkPrior);
  const fromPath = currentDocument(deps.root, opts.fromPath);
  const links = deps.links && priorActive(prior, fromPath) ? deps.links : undefined;
  const take = links ? Math.max(k, PRIOR_DEPTH) : k;
  const ranked = async (hits: SearchHit[]) => (links ? (await applyLinkPrior(hits, prior, links, fromPath)).slice(0, k) : hits);
  const done = async (hits: SearchHit[], mode: SearchMode, fallbackReason?: string): Promise<{ response: SearchResponse; grouped: number }> => {
    const named = names ? await deps.keyword.named(names, k, opts) : [];
    const listed = namesFirst(hits, named, keywordTerms, k);
    const { hits: results, grouped } = opts.groupTranslations === false ? { hits: listed, grouped: 0 } : groupTranslations(listed);
    return {
      response: {
        query,
        results: markFreshness(deps.root, results),
        mode,
        requestedMode,
        ...(fallbackReason ? { fallbackReason } : {}),
        ms: performance.now() - t0,
      },
      grouped,
    };
  };

  if (requestedMode === 'keyword') return done(await ranked(await keywordHits(take)), 'keyword');
  if (!query.trim()) return done([], requestedMode);
  const avail = await deps.availability();
  if (!avail.ok) return done(await ranked(await keywordHits(take)), 'keyword', avail.reason);

  let vector: Float32Array;
  try {
    vector = await avail.embedQuery(query, opts.signal);
  } catch (err) {
    throwIfAborted(opts.signal);
    return done(await ranked(await keywordHits(take)), 'keyword', `the query could not be embedded: ${errorMessage(err)}`);
  }
  // Snippets are cut only for the hits shown: the lists below are rows, scored, in their order.
  const depth = requestedMode === 'hybrid' ? Math.max(k * 2, 20, take) : take;
  if (requestedMode === 'semantic') {
    const sem = await deps.vectors.nearest(avail.model, vector, depth, opts, { signal: opts.signal, minSimilarity: opts.minSimilarity });
    const hits = sem.slice(0, take).map((r) => toHit(r, terms, r.score, 'semantic'));
    if (opts.explain) hits.forEach((h, i) => (h.explain = explanation({ semantic: { rank: i + 1, similarity: h.score } })));
    if (hits.length >= k) return done(await ranked(hits), 'semantic');
    // Too few chunks are similar enough: keyword hits fill the rest of the list.
    const seen = new Set(sem.map((h) => h.chunkId));
    const docs = countByDoc(sem);
    const kwRows = await keywordRows(k + sem.length);
    const fill = kwRows.filter((h) => !seen.has(h.chunkId) && takeForDoc(docs, h.docId, perDoc));
    const filled = fill.slice(0, k - hits.length).map((r) => toHit(r, terms, r.score, 'keyword'));
    if (opts.explain) {
      const at = new Map(kwRows.map((r, i) => [r.chunkId, i + 1]));
      for (const h of filled) h.explain = explanation({ keyword: await keywordPart(at.get(h.chunkId) ?? 0, h) });
    }
    return done(await ranked([...hits, ...filled]), 'semantic');
  }

  const { fused, info, byId, kw, sem } = await fuseLists(deps, query, opts, depth, avail.model, vector);
  const docs = new Map<number, number>();
  const out: SearchHit[] = [];
  for (const f of fused) {
    const row = byId.get(f.chunkId)!;
    if (!takeForDoc(docs, row.docId, perDoc)) continue;
    const hit = toHit(row, terms, f.score, f.retriever);
    if (opts.explain) {
      hit.explain = explanation({
        ...(f.keywordRank ? { keyword: await keywordPart(f.keywordRank, kw[f.keywordRank - 1]) } : {}),
        ...(f.semanticRank ? { semantic: { rank: f.semanticRank, similarity: sem[f.semanticRank - 1].score } } : {}),
        fusion: { ...info, score: f.score },
      });
    }
    out.push(hit);
    if (out.length >= take) break;
  }
  return done(await ranked(out), 'hybrid');
}

type Listed = Pick<ScoredRow, 'chunkId' | 'score'>;

/**
 * The two lists and their fusion: RRF and weighted fusion in one query where the backend can
 * (VectorIndex.fused, PostgreSQL), otherwise both lists here and search/fusion.ts over them.
 */
async function fuseLists(deps: SearchDeps, query: string, opts: SearchOptions, depth: number, model: string, vector: Float32Array): Promise<{ fused: Fused[]; info: FusionInfo; byId: Map<number, ScoredRow>; kw: Listed[]; sem: Listed[] }> {
  const method = opts.fusion === 'weighted' || opts.fusion === 'rrf' ? opts.fusion : undefined;
  const info = (m: 'rrf' | 'weighted'): FusionInfo => (m === 'weighted' ? { method: 'weighted', semanticWeight: DEFAULT_WEIGHTS.semantic } : { method: 'rrf' });
  if (method && deps.vectors.fused) {
    const rows = await deps.vectors.fused(model, vector, query, depth, opts, { method, minSimilarity: opts.minSimilarity, prefixLast: opts.prefixLast, signal: opts.signal });
    const kw: Listed[] = [];
    const sem: Listed[] = [];
    for (const r of rows) {
      if (r.keywordRank) kw[r.keywordRank - 1] = { chunkId: r.row.chunkId, score: r.keywordScore ?? 0 };
      if (r.semanticRank) sem[r.semanticRank - 1] = { chunkId: r.row.chunkId, score: r.similarity ?? 0 };
    }
    const fused = rows.map((r): Fused => ({ chunkId: r.row.chunkId, score: r.score, retriever: r.retriever, ...(r.semanticRank ? { semanticRank: r.semanticRank } : {}), ...(r.keywordRank ? { keywordRank: r.keywordRank } : {}) }));
    return { fused, info: info(method), byId: new Map(rows.map((r) => [r.row.chunkId, r.row])), kw, sem };
  }
  const [sem, kw] = [
    await deps.vectors.nearest(model, vector, depth, opts, { signal: opts.signal, minSimilarity: opts.minSimilarity }),
    await deps.keyword.rows(query, depth, opts, { prefixLast: opts.prefixLast }),
  ];
  const { fused, info: made }: { fused: Fused[]; info: FusionInfo } =
    method === 'weighted' ? { fused: fuseWeighted(sem, kw), info: info(method) } : method === 'rrf' ? { fused: fuseRrf(sem, kw), info: info(method) } : fuseAgreement(sem, kw);
  const byId = new Map<number, ScoredRow>();
  for (const r of [...kw, ...sem]) byId.set(r.chunkId, r);
  return { fused, info: made, byId, kw, sem };
}
