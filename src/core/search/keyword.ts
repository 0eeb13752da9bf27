import type { Database, Statement } from 'better-sqlite3';
import picomatch from 'picomatch';
import { LoreError } from '../errors';
import { buildKeywordQuery } from './query';
import { makeSnippet } from './snippet';
import type { SearchFilters, SearchHit } from './types';

/** A candidate row: the hit's own fields, the chunk text (for the snippet) and the stamp (for freshness). */
type Row = Pick<SearchHit, 'chunkId' | 'docId' | 'path' | 'title' | 'documentType' | 'headingPath' | 'startLine' | 'endLine'> & {
  text: string;
  size: number;
  mtime: number;
  rank: number;
};

const globCache = new Map<string, picomatch.Matcher>();

function globMatcher(glob: string): picomatch.Matcher {
  let m = globCache.get(glob);
  if (!m) {
    try {
      m = picomatch(glob, { dot: true });
    } catch (err) {
      throw new LoreError('BAD_INPUT', `Invalid path glob "${glob}": ${(err as Error).message}`);
    }
    if (globCache.size > 100) globCache.clear();
    globCache.set(glob, m);
  }
  return m;
}

/** Registers the SQL function lore_glob(pattern, path) used by path filters. */
export function registerSearchFunctions(db: Database): void {
  db.function('lore_glob', { deterministic: true }, (pattern, path) =>
    globMatcher(String(pattern))(String(path)) ? 1 : 0,
  );
}

/**
 * BM25 keyword search over chunks. The top candidates come from FTS5 alone (fast), then filters
 * and one-hit-per-document apply; when they leave too few, it fetches deeper until the matches run out.
 */
export class KeywordSearch {
  private readonly stmts = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  search(text: string, k: number, filters: SearchFilters = {}, opts: { prefixLast?: boolean } = {}): SearchHit[] {
    const q = buildKeywordQuery(text, opts);
    if (!q.all || k <= 0) return [];
    if (filters.pathGlob) globMatcher(filters.pathGlob); // a bad glob is the user's to fix: say so before searching
    const perDoc = Math.max(1, filters.perDocument ?? 1);
    const hits = this.collect(q.all, k, perDoc, filters, new Map());
    if (hits.size < k && q.any !== q.all) this.collect(q.any, k, perDoc, filters, hits);
    const out = [...hits.values()].slice(0, k);
    return out.map((r) => {
      const snippet = makeSnippet(r.text, q.terms);
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
        score: -r.rank,
        retriever: 'keyword' as const,
        indexed: { size: r.size, mtime: r.mtime },
      };
    });
  }

  /** Adds hits in rank order to `into` (keyed by chunk), at most perDoc per document, until k. */
  private collect(match: string, k: number, perDoc: number, filters: SearchFilters, into: Map<number, Row>): Map<number, Row> {
    const counts = new Map<number, number>();
    for (const r of into.values()) counts.set(r.docId, (counts.get(r.docId) ?? 0) + 1);
    const details = this.detailsStatement(filters);
    const filterParams = [
      ...(filters.documentTypes?.filter(Boolean) ?? []),
      ...(filters.pathGlob ? [filters.pathGlob] : []),
      ...(filters.modifiedAfter !== undefined ? [filters.modifiedAfter] : []),
    ];
    let offset = 0;
    for (let limit = Math.max(k * perDoc * 4, 40); ; limit *= 4) {
      // Ranked candidates from the full-text index alone, then their rows, filtered.
      const ranked = this.ranked.all(match, limit - offset, offset) as { id: number; rank: number }[];
      const rankOf = new Map(ranked.map((r) => [r.id, r.rank]));
      const rows = (details.all(JSON.stringify(ranked.map((r) => r.id)), ...filterParams) as Row[])
        .map((r) => ({ ...r, rank: rankOf.get(r.chunkId)! }))
        .sort((a, b) => a.rank - b.rank);
      for (const r of rows) {
        if (into.size >= k) return into;
        if (into.has(r.chunkId)) continue;
        const n = counts.get(r.docId) ?? 0;
        if (n >= perDoc) continue;
        counts.set(r.docId, n + 1);
        into.set(r.chunkId, r);
      }
      if (into.size >= k || ranked.length < limit - offset) return into;
      offset = limit;
    }
  }

  private get ranked(): Statement {
    return this.cached('ranked', () =>
      this.db.prepare('SELECT rowid AS id, rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?'),
    );
  }

  private detailsStatement(filters: SearchFilters): Statement {
    const nTypes = filters.documentTypes?.filter(Boolean).length ?? 0;
    const after = filters.modifiedAfter !== undefined;
    return this.cached(`details:${nTypes}:${filters.pathGlob ? 1 : 0}:${after ? 1 : 0}`, () => {
      const where = ['c.id IN (SELECT value FROM json_each(?))'];
      if (nTypes) where.push(`d.document_type IN (${Array(nTypes).fill('?').join(', ')})`);
      if (filters.pathGlob) where.push('lore_glob(?, d.file_path)');
      if (after) where.push('d.mtime > ?');
      return this.db.prepare(`
        SELECT c.id AS chunkId, d.id AS docId, d.file_path AS path, d.title, d.document_type AS documentType,
               c.heading_path AS headingPath, c.start_line AS startLine, c.end_line AS endLine, c.text,
               d.size, d.mtime
        FROM chunks c JOIN document_index d ON d.id = c.document_id
        WHERE ${where.join(' AND ')}`);
    });
  }

  private cached(key: string, make: () => Statement): Statement {
    let stmt = this.stmts.get(key);
    if (!stmt) this.stmts.set(key, (stmt = make()));
    return stmt;
  }
}
