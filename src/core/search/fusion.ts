/** Fusing a semantic and a keyword ranking into one list. Pure functions: no database, no I/O. */

export type Retriever = 'keyword' | 'semantic' | 'both';

export interface Ranked {
  chunkId: number;
  /** Higher is better within its own list (semantic: cosine similarity; keyword: -bm25). */
  score: number;
}

export interface Fused {
  chunkId: number;
  score: number;
  retriever: Retriever;
  /** 1-based rank in each list it appeared in. */
  semanticRank?: number;
  keywordRank?: number;
}

/** How a fused list was made, for explanations: the method and, for agreement fusion, its weight. */
export interface FusionInfo {
  method: 'agreement' | 'rrf' | 'weighted';
  /** Weight of the semantic side (agreement: maxSemanticWeight x agreement; weighted: 0.7). */
  semanticWeight?: number;
  /** Share of the top AGREEMENT_DEPTH of each list found in both (agreement fusion). */
  agreement?: number;
}

export const RRF_K = 60;
/** Agreement fusion: the semantic side weighs at most this much, when both lists agree entirely. */
export const MAX_SEMANTIC_WEIGHT = 0.5;
/** Agreement is measured on this many of each list's best. */
export const AGREEMENT_DEPTH = 20;

/** Share of the top `depth` of one list that the other's top `depth` holds too. */
export function agreementOf(semantic: Ranked[], keyword: Ranked[], depth = AGREEMENT_DEPTH): number {
  const top = new Set(keyword.slice(0, depth).map((h) => h.chunkId));
  const n = Math.min(depth, Math.max(semantic.length, keyword.length));
  return n ? semantic.slice(0, depth).filter((h) => top.has(h.chunkId)).length / n : 0;
}

/**
 * Agreement fusion (the default): a convex combination of the two lists' scores (keyword scores
 * over the list's best, cosine similarities as they are: Bruch et al. 2023 found such a
 * combination better and more robust than RRF), whose semantic weight grows with how much the
 * two lists agree on this query: at most MAX_SEMANTIC_WEIGHT, and nothing when they share
 * nothing. A weak or mismatched embedding model, which finds other things than the words do,
 * then cannot push the keyword matches down; one that agrees sharpens their order and adds its
 * own finds. When keyword search finds nothing, the semantic order stands.
 */
export function fuseAgreement(semantic: Ranked[], keyword: Ranked[], maxWeight = MAX_SEMANTIC_WEIGHT): { fused: Fused[]; info: FusionInfo } {
  const agreement = agreementOf(semantic, keyword);
  const w = maxWeight * agreement;
  const top = keyword.length ? Math.max(...keyword.map((h) => h.score)) : 0;
  const kw = (i: number) => (1 - w) * (top > 0 ? keyword[i].score / top : 1);
  const sem = (i: number) => w * Math.max(0, semantic[i].score);
  return { fused: combine(semantic, keyword, sem, kw), info: { method: 'agreement', semanticWeight: w, agreement } };
}
export const DEFAULT_WEIGHTS = { semantic: 0.7, keyword: 0.3 } as const;

/**
 * Reciprocal rank fusion: score = sum over lists of 1 / (k + rank). Only ranks count, so the two
 * retrievers' incomparable scores never need calibrating. Ties: the better single rank first,
 * then semantic before keyword, then chunk id (deterministic).
 */
export function fuseRrf(semantic: Ranked[], keyword: Ranked[], k = RRF_K): Fused[] {
  return combine(semantic, keyword, (i) => 1 / (k + i + 1), (i) => 1 / (k + i + 1));
}

/**
 * Weighted score fusion: each list's scores scaled to [0, 1] (min-max), then
 * weights.semantic * semantic + weights.keyword * keyword; absent from a list counts as 0 there.
 */
export function fuseWeighted(semantic: Ranked[], keyword: Ranked[], weights: { semantic: number; keyword: number } = DEFAULT_WEIGHTS): Fused[] {
  const sem = minMax(semantic);
  const kw = minMax(keyword);
  return combine(semantic, keyword, (i) => weights.semantic * sem[i], (i) => weights.keyword * kw[i]);
}

/** Sums each chunk's per-list contributions (by 1-based list position) and notes where it was found. */
function combine(semantic: Ranked[], keyword: Ranked[], semScore: (i: number) => number, kwScore: (i: number) => number): Fused[] {
  const out = new Map<number, Fused>();
  semantic.forEach((h, i) => {
    out.set(h.chunkId, { chunkId: h.chunkId, score: semScore(i), retriever: 'semantic', semanticRank: i + 1 });
  });
  keyword.forEach((h, i) => {
    const s = kwScore(i);
    const f = out.get(h.chunkId);
    if (f) {
      f.score += s;
      f.retriever = 'both';
      f.keywordRank = i + 1;
    } else out.set(h.chunkId, { chunkId: h.chunkId, score: s, retriever: 'keyword', keywordRank: i + 1 });
  });
  return sortFused([...out.values()]);
}

/** Scores scaled to [0, 1]; a list whose scores are all equal scales to 1 throughout. */
function minMax(list: Ranked[]): number[] {
  if (!list.length) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of list) {
    lo = Math.min(lo, h.score);
    hi = Math.max(hi, h.score);
  }
  return list.map((h) => (hi > lo ? (h.score - lo) / (hi - lo) : 1));
}

function sortFused(list: Fused[]): Fused[] {
  const best = (f: Fused) => Math.min(f.semanticRank ?? Infinity, f.keywordRank ?? Infinity);
  return list.sort(
    (a, b) =>
      b.score - a.score ||
      best(a) - best(b) ||
      (a.semanticRank ?? Infinity) - (b.semanticRank ?? Infinity) ||
      a.chunkId - b.chunkId,
  );
}
