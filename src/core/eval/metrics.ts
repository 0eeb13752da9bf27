/** Ranking metrics as BEIR and TREC define them (binary or graded relevance). Pure functions. */

/** nDCG@k with gains = relevance grade (BEIR/pytrec_eval: linear gain, log2(rank + 1) discount). */
export function ndcgAt(ranked: string[], relevant: Map<string, number>, k = 10): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    const g = relevant.get(id) ?? 0;
    if (g > 0) dcg += g / Math.log2(i + 2);
  });
  const ideal = [...relevant.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
  return idcg > 0 ? dcg / idcg : 0;
}

/** 1 / rank of the first relevant result within the top k, else 0. */
export function mrrAt(ranked: string[], relevant: Map<string, number>, k = 10): number {
  const i = ranked.slice(0, k).findIndex((id) => (relevant.get(id) ?? 0) > 0);
  return i === -1 ? 0 : 1 / (i + 1);
}

/** Share of the relevant documents found in the top k. */
export function recallAt(ranked: string[], relevant: Map<string, number>, k = 100): number {
  if (!relevant.size) return 0;
  const top = new Set(ranked.slice(0, k));
  let found = 0;
  for (const [id, g] of relevant) if (g > 0 && top.has(id)) found++;
  return found / relevant.size;
}

/** How many of the top k are relevant. */
export function relevantInTop(ranked: string[], relevant: Map<string, number>, k = 10): number {
  return ranked.slice(0, k).filter((id) => (relevant.get(id) ?? 0) > 0).length;
}

export interface Metrics {
  ndcg10: number;
  mrr10: number;
  /** Share of the relevant documents in the top 10: success@10 when each query has one target (known-item). */
  recall10: number;
  recall100: number;
}

export function scoreRun(runs: Map<string, string[]>, qrels: Map<string, Map<string, number>>): Metrics & { perQuery: Map<string, Metrics> } {
  const perQuery = new Map<string, Metrics>();
  for (const [qid, rel] of qrels) {
    const ranked = runs.get(qid);
    if (!ranked) continue;
    perQuery.set(qid, { ndcg10: ndcgAt(ranked, rel), mrr10: mrrAt(ranked, rel), recall10: recallAt(ranked, rel, 10), recall100: recallAt(ranked, rel) });
  }
  const mean = (f: (m: Metrics) => number) => (perQuery.size ? [...perQuery.values()].reduce((s, m) => s + f(m), 0) / perQuery.size : 0);
  return { ndcg10: mean((m) => m.ndcg10), mrr10: mean((m) => m.mrr10), recall10: mean((m) => m.recall10), recall100: mean((m) => m.recall100), perQuery };
}
