/**
 * Documents found by name: a file name or a title equal to the query (or, while the user types,
 * starting with it). Both are seeks on the expression indexes of schema 9, however large the index.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { ScoredRow } from '../../search/hit';
import type { NameMatch, NameQuery } from '../keyword';
import type { SearchFilters } from '../../search/types';
import { CHUNK_ROWS, filterClauses } from './rows';

/** The file name as schema 9 indexes it: the path after its last '/', lowercased. */
const FILE_NAME = `lower(substr(d.file_path, length(rtrim(d.file_path, replace(d.file_path, '/', ''))) + 1))`;
/** The first chunk of the document (its top), which a name hit opens at. */
const FIRST_CHUNK = 'c.id = (SELECT id FROM chunks WHERE document_id = d.id ORDER BY start_line, id LIMIT 1)';

/** The smallest string after every string that starts with `s`. */
const after = (s: string) => s + '\uffff';

export class NameLookup {
  private readonly stmts = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  find(q: NameQuery, limit: number, filters: SearchFilters = {}): (ScoredRow & { nameMatch: NameMatch })[] {
    const { where, params } = filterClauses(filters);
    const out = new Map<number, ScoredRow & { nameMatch: NameMatch }>();
    const run = (field: 'file' | 'title', cond: string, args: unknown[], exact: boolean) => {
      const expr = field === 'file' ? FILE_NAME : 'lower(d.title)';
      const sql = `${CHUNK_ROWS} WHERE ${[cond.replaceAll('$', expr), FIRST_CHUNK, ...where].join(' AND ')} ORDER BY length(d.file_path), d.file_path LIMIT ?`;
      let stmt = this.stmts.get(sql);
      if (!stmt) this.stmts.set(sql, (stmt = this.db.prepare(sql)));
      for (const r of stmt.all(...args, ...params, limit) as ScoredRow[]) {
        if (!out.has(r.docId)) out.set(r.docId, { ...r, score: 0, nameMatch: { field, exact } });
      }
    };
    if (q.fileNames.length) run('file', `$ IN (${q.fileNames.map(() => '?').join(', ')})`, q.fileNames, true);
    if (q.title) run('title', '$ = ?', [q.title], true);
    if (q.prefix) {
      for (const stem of q.fileStems) run('file', '$ >= ? AND $ < ?', [stem, after(stem)], false);
      if (q.title) run('title', '$ >= ? AND $ < ?', [q.title, after(q.title)], false);
    }
    return [...out.values()].slice(0, limit);
  }
}
