import { makeSnippet } from './snippet';
import type { SearchHit } from './types';

/** A chunk row as both retrievers read it: the hit's own fields, its text and the file's stamp. */
export type ChunkRow = Pick<SearchHit, 'chunkId' | 'docId' | 'path' | 'title' | 'documentType' | 'headingPath' | 'startLine' | 'endLine'> & {
  text: string;
  size: number;
  mtime: number;
};

/** The hit a retriever returns for a row: snippet around the query's words, its score, who found it. */
export function toHit(r: ChunkRow, terms: string[], score: number, retriever: SearchHit['retriever']): SearchHit {
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
  };
}
