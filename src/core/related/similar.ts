/**
 * Passages like one section: its nearest neighbours by vectors when semantic search is live (the
 * section's own stored vector, found in the embedding cache by its text's hash: nothing is
 * embedded), else "more like this" by keyword: the section's most distinctive words (those that
 * add the most to its own BM25 score) searched as one query. The section's own document is left out.
 */
import crypto from 'node:crypto';
import { makeSnippet } from '../search/snippet';
import { STOPWORDS } from '../search/stopwords';
import type { ScoredRow } from '../search/hit';
import type { KeywordIndex } from '../storage/keyword';
import type { VectorIndex } from '../storage/vectors';
import type { SimilarPassage, RelatedResult } from './types';

export interface SectionChunk {
  id?: number;
  docPath: string;
  headingPath?: string;
  startLine: number;
  endLine: number;
  text: string;
}

/** What semantic search can use now (the pipeline's availability, reduced). */
export type SemanticState = { ok: true; model: string } | { ok: false; reason: string };

export interface SimilarDeps {
  keyword: KeywordIndex;
  vectors: VectorIndex;
  semantic: () => Promise<SemanticState>;
}

/** Candidate words of a section: from a letter to a letter or digit, three characters or more ("_stack_" is emphasis of "stack"). */
const WORD = /\p{L}[\p{L}\p{N}_]*[\p{L}\p{N}]/gu;
/** Words of the section whose share is asked (rust-book: 32 beat 48, hit@5 0.647 vs 0.629, and asks a third fewer). */
const CANDIDATES = 32;
/**
 * At most this many words found in more than COMMON_MATCHES chunks: a query with more of them is
 * ranked by scoring every match (the keyword index's MaxScore budget stops applying), p95 154 ms
 * at 100K chunks against 42 ms with two (BENCHMARKS.md, "Related at 100,000 chunks").
 */
const MAX_COMMON = 2;
const COMMON_MATCHES = 1000;
/**
 * The words' matches together stay under this (past the first MIN_TERMS words): what the search
 * reads grows with them. Never reached on a book-sized folder (rust-book: 1,121 chunks); at 100K chunks p95 71 ms with 20,000, 44 ms with 8,000.
 */
const POSTINGS_BUDGET = 8000;
const MIN_TERMS = 8;
/**
 * rust-book, the section of each of 170 cross-chapter links: the linked chapter in the top 5 for
 * 55% (8 words), 61% (12), 65% (20), 62% (30) before stopwords were left out; 60% (16), 62% (20), 61% (25)
 * after; 63% (20, MRR@10 0.477) once emphasis underscores no longer made words of their own.
 */
const TERMS = 20;

function termFrequencies(text: string): Map<string, number> {
  const tf = new Map<string, number>();
  // Code and link targets say little about what a section is about: left out.
  const prose = text.replace(/```[\s\S]*?(?:```|$)/g, ' ').replace(/\]\([^)]*\)/g, ']');
  // Common English words never: in a small folder their BM25 weight is not small yet ("and", "see").
  for (const m of prose.toLowerCase().matchAll(WORD)) if (m[0].length >= 3 && !STOPWORDS.has(m[0])) tf.set(m[0], (tf.get(m[0]) ?? 0) + 1);
  return tf;
}

function candidateWords(tf: Map<string, number>): string[] {
  return [...tf.entries()].sort((a, b) => b[1] - a[1] || b[0].length - a[0].length).slice(0, CANDIDATES).map(([w]) => w);
}

function toPassage(r: ScoredRow, terms: string[]): SimilarPassage {
  return {
    path: r.path, title: r.title, headingPath: r.headingPath, startLine: r.startLine, endLine: r.endLine,
    score: r.score, snippet: makeSnippet(r.text, terms, 160).text,
  };
}

function others(rows: ScoredRow[], docPath: string, limit: number): ScoredRow[] {
  return rows.filter((r) => r.path !== docPath).slice(0, limit);
}

/** The section's distinctive words: what adds most to its own keyword score. */
export async function distinctiveTerms(keyword: KeywordIndex, section: SectionChunk): Promise<string[]> {
  const tf = termFrequencies(section.text);
  const words = candidateWords(tf);
  if (!words.length || section.id === undefined) return words.slice(0, TERMS);
  const explained = await keyword.explainTerms(words.join(' '), section.id);
  const ranked = explained.filter((t) => !t.stopword && t.contribution > 0).sort((a, b) => b.contribution - a.contribution);
  const terms: string[] = [];
  let common = 0;
  let postings = 0;
  for (const t of ranked) {
    if (terms.length === TERMS) break;
    if (t.matches > COMMON_MATCHES && ++common > MAX_COMMON) continue;
    if (terms.length >= MIN_TERMS && postings + t.matches > POSTINGS_BUDGET) continue;
    postings += t.matches;
    terms.push(t.term);
  }
  return terms;
}

export async function similarPassages(deps: SimilarDeps, section: SectionChunk, limit: number, signal?: AbortSignal): Promise<RelatedResult['similar']> {
  const semantic = await deps.semantic();
  let why: string;
  if (semantic.ok) {
    const hash = crypto.createHash('sha256').update(section.text).digest('hex');
    const vector = (await deps.vectors.cached(semantic.model, [hash])).get(hash);
    if (vector) {
      const rows = await deps.vectors.nearest(semantic.model, vector, limit + 1, { perDocument: 1 }, { signal });
      return { method: 'semantic', model: semantic.model, reason: `nearest passages by meaning (${semantic.model})`, passages: others(rows, section.docPath, limit).map((r) => toPassage(r, [])) };
    }
    why = 'this section has no vector yet';
  } else {
    why = `semantic search is not available: ${semantic.reason}`;
  }
  signal?.throwIfAborted();
  const terms = await distinctiveTerms(deps.keyword, section);
  if (!terms.length) return { method: 'none', reason: `${why}, and the section has no words to match`, passages: [] };
  const rows = await deps.keyword.rows(terms.join(' '), limit + 1, { perDocument: 1 });
  return {
    method: 'keyword',
    reason: `${why}; keyword matches on the section's distinctive words`,
    terms,
    passages: others(rows, section.docPath, limit).map((r) => toPassage(r, terms)),
  };
}
