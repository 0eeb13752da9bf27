import { errorMessage, LoreError, throwIfAborted } from '../errors';
import { markFreshness } from './freshness';
import { type Fused, fuseRrf, fuseWeighted } from './fusion';
import { countByDoc, takeForDoc } from './hit';
import type { KeywordSearch } from './keyword';
import type { SemanticSearch } from './semantic';
import type { SearchHit, SearchMode, SearchOptions, SearchResponse } from './types';

/** Where semantic search stands right now: a space that can answer, or the reason it cannot. */
export type SemanticAvailability =
  | { ok: true; model: string; embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array> }
  | { ok: false; reason: string };

export interface SearchDeps {
  root: string;
  keyword: KeywordSearch;
  semantic: SemanticSearch;
  availability(): SemanticAvailability | Promise<SemanticAvailability>;
}

/**
 * keyword | semantic | hybrid (default). Semantic and hybrid fall back to keyword when semantic
 * search cannot answer, and the response says why; semantic fills up with keyword hits when too
 * few chunks are similar enough; hybrid fuses by RRF (k=60) or 0.7/0.3 weighted scores.
 */
export async function runSearch(deps: SearchDeps, query: string, opts: SearchOptions = {}): Promise<SearchResponse> {
  const t0 = performance.now();
  const requestedMode: SearchMode = opts.mode ?? 'hybrid';
  if (!['keyword', 'semantic', 'hybrid'].includes(requestedMode)) {
    throw new LoreError('BAD_INPUT', `Unknown search mode "${String(requestedMode)}" (use keyword, semantic or hybrid)`);
  }
  const k = opts.k ?? 10;
  const perDoc = Math.max(1, opts.perDocument ?? 1);
  const keywordHits = (n: number) => deps.keyword.search(query, n, opts, { prefixLast: opts.prefixLast });
  const done = (hits: SearchHit[], mode: SearchMode, fallbackReason?: string): SearchResponse => ({
    query,
    results: markFreshness(deps.root, hits),
    mode,
    requestedMode,
    ...(fallbackReason ? { fallbackReason } : {}),
    ms: performance.now() - t0,
  });

  if (requestedMode === 'keyword') return done(keywordHits(k), 'keyword');
  if (!query.trim()) return done([], requestedMode);
  const avail = await deps.availability();
  if (!avail.ok) return done(keywordHits(k), 'keyword', avail.reason);

  let vector: Float32Array;
  try {
    vector = await avail.embedQuery(query, opts.signal);
  } catch (err) {
    throwIfAborted(opts.signal);
    return done(keywordHits(k), 'keyword', `the query could not be embedded: ${errorMessage(err)}`);
  }
  const depth = requestedMode === 'hybrid' ? Math.max(k * 2, 20) : k;
  const semanticHits = deps.semantic.search(avail.model, vector, query, depth, opts, { signal: opts.signal, minSimilarity: opts.minSimilarity });

  if (requestedMode === 'semantic') {
    if (semanticHits.length >= k) return done(semanticHits.slice(0, k), 'semantic');
    // Too few chunks are similar enough: keyword hits fill the rest of the list.
    const seen = new Set(semanticHits.map((h) => h.chunkId));
    const docs = countByDoc(semanticHits);
    const fill = keywordHits(k + semanticHits.length).filter((h) => !seen.has(h.chunkId) && takeForDoc(docs, h.docId, perDoc));
    return done([...semanticHits, ...fill].slice(0, k), 'semantic');
  }

  const kw = keywordHits(depth);
  const fused: Fused[] = opts.fusion === 'weighted' ? fuseWeighted(semanticHits, kw) : fuseRrf(semanticHits, kw);
  const byId = new Map<number, SearchHit>();
  for (const h of kw) byId.set(h.chunkId, h);
  for (const h of semanticHits) if (!byId.has(h.chunkId)) byId.set(h.chunkId, h); // keyword's snippet highlights the words
  const docs = new Map<number, number>();
  const out: SearchHit[] = [];
  for (const f of fused) {
    const hit = byId.get(f.chunkId)!;
    if (!takeForDoc(docs, hit.docId, perDoc)) continue;
    out.push({ ...hit, score: f.score, retriever: f.retriever });
    if (out.length >= k) break;
  }
  return done(out, 'hybrid');
}
