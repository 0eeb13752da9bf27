import { filterTypes } from '../../search/pathGlob';
import type { SearchFilters } from '../../search/types';

/** A ChunkRow per chunk (`c`) with its document (`d`); callers add the WHERE. */
export const CHUNK_ROWS = `
  SELECT c.id AS chunkId, d.id AS docId, d.file_path AS path, d.title, d.document_type AS documentType,
         c.heading_path AS headingPath, c.start_line AS startLine, c.end_line AS endLine, c.text,
         d.size, d.mtime
  FROM chunks c JOIN document_index d ON d.id = c.document_id`;

/** The search filters as SQL conditions on the document `d`, with their parameters in order. */
export function filterClauses(filters: SearchFilters): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const types = filterTypes(filters.documentTypes);
  if (types.length) {
    where.push(`d.document_type IN (${types.map(() => '?').join(', ')})`);
    params.push(...types);
  }
  if (filters.pathGlob) {
    where.push('lore_glob(?, d.file_path)');
    params.push(filters.pathGlob);
  }
  if (filters.modifiedAfter !== undefined) {
    where.push('d.mtime > ?');
    params.push(filters.modifiedAfter);
  }
  return { where, params };
}
