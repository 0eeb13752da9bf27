/** Why a hit ranked where it did, in parts and in one line (search --explain). */
import type { Explanation, FieldWeights, FusionMethod, TermExplanation } from './types';

const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));

/** Puts the parts together, with the one-line summary. */
export function explanation(parts: {
  keyword?: { rank: number; score: number; documentBonus?: number; terms: TermExplanation[]; weights: FieldWeights };
  semantic?: { rank: number; similarity: number };
  fusion?: { method: FusionMethod; score: number; semanticWeight?: number; agreement?: number };
}): Explanation {
  const said: string[] = [];
  if (parts.keyword) {
    const { rank, score, documentBonus, terms } = parts.keyword;
    const words = terms.map((t) =>
      t.stopword ? `"${t.term}" in most chunks (no weight)` : t.fields.length ? `"${t.term}" ${num(t.contribution)} (${t.fields.join('+')}, idf ${num(t.idf)})` : `"${t.term}" absent`,
    );
    const bonus = documentBonus ? ` (+${num(documentBonus)} for query words in the document's other passages)` : '';
    said.push(`keyword #${rank}, BM25 ${num(score)}${bonus}: ${words.join('; ')}`);
  }
  if (parts.semantic) said.push(`semantic #${parts.semantic.rank}, similarity ${num(parts.semantic.similarity)}`);
  if (parts.fusion) {
    const f = parts.fusion;
    const how =
      f.method === 'agreement'
        ? `agreement fusion (lists agree ${Math.round((f.agreement ?? 0) * 100)}%, semantic weight ${num(f.semanticWeight ?? 0)})`
        : f.method === 'rrf'
          ? 'reciprocal rank fusion (k=60)'
          : `weighted fusion (semantic ${num(f.semanticWeight ?? 0.7)})`;
    said.push(`${how} = ${num(f.score)}`);
    if (!parts.keyword) said.push('no keyword match');
    if (!parts.semantic) said.push('not among the semantic results');
  }
  return {
    ...(parts.keyword ? { keyword: { ...parts.keyword, weights: { ...parts.keyword.weights } } } : {}),
    ...(parts.semantic ? { semantic: parts.semantic } : {}),
    ...(parts.fusion ? { fusion: parts.fusion } : {}),
    summary: said.join(' · '),
  };
}
