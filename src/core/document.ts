import path from 'node:path';
import { LoreError } from './errors';
import { toRelative } from './index/files';
import { isStale } from './search/freshness';
import type { DocumentStore } from './storage/documents';

export interface LineRangeRequest {
  startLine?: number;
  endLine?: number;
}

export interface IndexedDocument {
  /** Workspace-relative, '/'-separated. */
  path: string;
  title: string;
  documentType: string;
  /** The lines returned (1-based, inclusive), clamped to the document. */
  startLine: number;
  endLine: number;
  /** How many lines the indexed document has (its last chunk's last line). */
  lineCount: number;
  /** The indexed text of those lines, rebuilt from chunks (lines no chunk holds, e.g. front matter, are blank). */
  text: string;
  /** The file on disk no longer matches what was indexed. */
  stale: boolean;
}

/** Accepts 'docs/a.md', 'docs\\a.md', './docs/a.md' or an absolute path under the root. */
export function relativeDocPath(root: string, p: string): string {
  const slashed = p.replace(/\\/g, '/');
  return toRelative(root, path.isAbsolute(slashed) || path.isAbsolute(p) ? p : path.join(root, slashed));
}

/** One document's indexed text (or a line range of it), or undefined when it is not in the index. */
export async function getIndexedDocument(documents: DocumentStore, root: string, docPath: string, range: LineRangeRequest = {}): Promise<IndexedDocument | undefined> {
  if (typeof docPath !== 'string' || !docPath.trim()) throw new LoreError('BAD_INPUT', 'A document path is required.');
  for (const [name, v] of [['startLine', range.startLine], ['endLine', range.endLine]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new LoreError('BAD_INPUT', `${name} must be a whole number from 1, not ${v}.`);
  }
  if (range.startLine !== undefined && range.endLine !== undefined && range.endLine < range.startLine) {
    throw new LoreError('BAD_INPUT', `The line range ${range.startLine}-${range.endLine} ends before it starts.`);
  }
  const rel = relativeDocPath(root, docPath.trim());
  const doc = await documents.read(rel, range.startLine ?? 1, range.endLine ?? Number.MAX_SAFE_INTEGER);
  if (!doc) return undefined;
  const { lineCount } = doc;
  const startLine = Math.min(range.startLine ?? 1, Math.max(lineCount, 1));
  const endLine = Math.max(startLine, Math.min(range.endLine ?? lineCount, lineCount));
  const lines: string[] = new Array(Math.max(0, endLine - startLine + 1)).fill('');
  for (const c of doc.chunks) {
    c.text.split('\n').forEach((line, i) => {
      const n = c.startLine + i;
      if (n >= startLine && n <= endLine) lines[n - startLine] = line;
    });
  }
  return {
    path: doc.path,
    title: doc.title,
    documentType: doc.documentType,
    startLine,
    endLine: lineCount ? endLine : 0,
    lineCount,
    text: lineCount ? lines.join('\n') : '',
    stale: isStale(root, doc.path, doc),
  };
}
