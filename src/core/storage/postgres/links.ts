/**
 * The link graph of one project on PostgreSQL (links, link_keys: schema/postgres/004_links.sql),
 * with the same answers as SQLite's (storage/sqlite/links.ts): a link is resolved when it is read,
 * by joining its key to the keys of the project's documents. Every query reads one project's rows;
 * paths are ordered byte-wise (COLLATE "C"), as SQLite orders them.
 */
import { documentKeys } from '../../links/resolve';
import type { LinkIndex, ResolvedLink, StoredLink } from '../links';
import type { PgDatabase } from './connect';

const COLUMNS = `l.line, l.kind, l.target, l.fragment, l.text, l.context, l.target_key AS key,
  d.file_path AS "sourcePath", d.title AS "sourceTitle"`;
/** A key meets no document of the project (and names one: '=' keys are other files). */
const BROKEN = `l.target_key NOT LIKE '=%' AND NOT EXISTS (SELECT 1 FROM link_keys k WHERE k.project_id = l.project_id AND k.key = l.target_key)`;

type Row = StoredLink & { targetPath?: string | null; targetTitle?: string | null };

function clean(r: Row): ResolvedLink {
  const { targetPath, targetTitle, ...rest } = r;
  return targetPath == null ? rest : { ...rest, targetPath, targetTitle: targetTitle ?? undefined };
}

/** A row limit PostgreSQL takes (a whole number, not negative). */
function rowLimit(limit: number): number {
  return Math.min(Math.max(0, Math.floor(limit)) || 0, Number.MAX_SAFE_INTEGER);
}

export class PgLinkIndex implements LinkIndex {
  constructor(
    private readonly db: PgDatabase,
    private readonly projectId: number,
  ) {}

  async from(path: string): Promise<ResolvedLink[]> {
    const r = await this.db.query<Row>(`SELECT ${COLUMNS}, t.file_path AS "targetPath", t.title AS "targetTitle"
      FROM document_index d JOIN links l ON l.document_id = d.id
      LEFT JOIN LATERAL (SELECT x.file_path, x.title FROM link_keys k JOIN document_index x ON x.id = k.document_id
        WHERE k.project_id = d.project_id AND k.key = l.target_key
        ORDER BY length(x.file_path), x.file_path COLLATE "C" LIMIT 1) t ON true
      WHERE d.project_id = $1 AND d.file_path = $2 ORDER BY l.ordinal`, [this.projectId, path]);
    return r.rows.map(clean);
  }

  /**
   * The keys links reach each path by. A wikilink's name (~name) counts only for the document it
   * resolves to (the shortest path of that name), as from() resolves it.
   */
  private async keysOf(paths: string[]): Promise<Array<readonly [string, string]>> {
    const all = paths.flatMap((p) => documentKeys(p).map((key) => [p, key] as const));
    const names = [...new Set(all.filter(([, k]) => k.startsWith('~')).map(([, k]) => k))];
    const winner = new Map<string, string>();
    if (names.length) {
      const r = await this.db.query<{ key: string; path: string }>(`SELECT DISTINCT ON (k.key) k.key, x.file_path AS path
        FROM link_keys k JOIN document_index x ON x.id = k.document_id
        WHERE k.project_id = $1 AND k.key = ANY($2::text[]) ORDER BY k.key, length(x.file_path), x.file_path COLLATE "C"`, [this.projectId, names]);
      for (const row of r.rows) winner.set(row.key, row.path);
    }
    return all.filter(([p, k]) => !k.startsWith('~') || winner.get(k) === p);
  }

  async to(path: string, limit: number): Promise<StoredLink[]> {
    const r = await this.db.query<Row>(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
      WHERE l.project_id = $1 AND l.target_key = ANY($2::text[]) AND d.file_path != $3
      ORDER BY d.file_path COLLATE "C", l.line, l.ordinal LIMIT $4`, [this.projectId, (await this.keysOf([path])).map(([, k]) => k), path, rowLimit(limit)]);
    return r.rows.map(clean);
  }

  async broken(limit: number): Promise<{ count: number; links: StoredLink[] }> {
    const c = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM links l WHERE l.project_id = $1 AND ${BROKEN}`, [this.projectId]);
    const count = Number(c.rows[0].n);
    if (count === 0) return { count, links: [] };
    const r = await this.db.query<Row>(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
      WHERE l.project_id = $1 AND ${BROKEN} ORDER BY d.file_path COLLATE "C", l.line, l.ordinal LIMIT $2`, [this.projectId, rowLimit(limit)]);
    return { count, links: r.rows.map(clean) };
  }

  async inbound(paths: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const wanted = await this.keysOf([...new Set(paths)]);
    if (!wanted.length) return out;
    // One query for every path: each path's keys, the distinct other documents with a link to one of them.
    const r = await this.db.query<{ path: string; n: string }>(`SELECT w.path, count(DISTINCT l.document_id) AS n
      FROM unnest($2::text[], $3::text[]) AS w(path, key)
      JOIN links l ON l.project_id = $1 AND l.target_key = w.key
      JOIN document_index d ON d.id = l.document_id
      WHERE d.file_path != w.path GROUP BY w.path`, [this.projectId, wanted.map((w) => w[0]), wanted.map((w) => w[1])]);
    for (const row of r.rows) out.set(row.path, Number(row.n));
    return out;
  }
}
