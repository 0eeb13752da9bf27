import { makeSnippet } from './snippet';
import type { SearchHit } from './types';

/** A chunk row as both retrievers read it: the hit's own fields, its text and the file's stamp. */
export type ChunkRow = Pick<SearchHit, 'chunkId' | 'docId' | 'path' | 'title' | 'documentType' | 'headingPath' | 'startLine' | 'endLine'> & {
  text: string;
  size: number;
  mtime: number;
};

/** A row as a retriever ranks it: higher score is better within its own list. */
export type ScoredRow = ChunkRow & {
  score: number;
  /** Keyword: what the document's other chunks added to this, its best (whole-document evidence: keyword.ts). */
  documentBonus?: number;
};

/** The hit a retriever returns for a row: snippet around the query's words, its score, who found it. */
export function toHit(r: ChunkRow & { documentBonus?: number }, terms: string[], score: number, retriever: SearchHit['retriever']): SearchHit {
  const snippet = makeSnippet(r.text, terms);
  return {
    chunkId: r.chunkId,
    docId: r.docId,
    path: r.path,
    title: r.title,
    documentType: r.documentType,
    headingPath: r.headingPath,
    startLine: r.startLine,
    endLine: r.endLine,
    snippet: snippet.text,
    highlights: snippet.highlights,
    score,
    retriever,
    indexed: { size: r.size, mtime: r.mtime },
    ...(r.documentBonus ? { documentBonus: r.documentBonus } : {}),
  };
}

/** How many hits each document already has. */
export function countByDoc(hits: Iterable<{ docId: number }>): Map<number, number> {
  const m = new Map<number, number>();
  for (const h of hits) m.set(h.docId, (m.get(h.docId) ?? 0) + 1);
  return m;
}

/** One more hit for `docId`, unless it already has `perDoc` (one hit per document by default). */
export function takeForDoc(counts: Map<number, number>, docId: number, perDoc: number): boolean {
  const n = counts.get(docId) ?? 0;
  if (n >= perDoc) return false;
  counts.set(docId, n + 1);
  return true;
}
