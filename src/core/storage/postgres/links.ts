/**
 * The link graph of one project on PostgreSQL (links, link_keys: schema/postgres/004_links.sql),
 * with the same answers as SQLite's (storage/sqlite/links.ts): a link is resolved when it is read,
 * by joining its keys to the keys of the project's documents. Every query reads one project's rows;
 * paths are ordered byte-wise (COLLATE "C"), as SQLite orders them.
 */
import { documentKeys } from '../../links/resolve';
import type { LinkIndex, ResolvedLink, StoredLink } from '../links';
import type { PgDatabase } from './connect';

const COLUMNS = `l.line, l.kind, l.target, l.fragment, l.text, l.context, l.target_key AS key,
  d.file_path AS "sourcePath", d.title AS "sourceTitle"`;
const HAS = (key: string) => `EXISTS (SELECT 1 FROM link_keys k WHERE k.project_id = l.project_id AND k.key = ${key})`;
/** Of the documents with a key, the one it reaches first: the shortest path, then in byte order. */
const SHORTEST = 'length(x.file_path), x.file_path COLLATE "C"';
/** A link to a document that reaches none: neither by its key nor by the folder it may also name ('=' keys are other files). */
const BROKEN = `l.target_key NOT LIKE '=%' AND NOT ${HAS('l.target_key')} AND (l.alt_key IS NULL OR NOT ${HAS('l.alt_key')})`;
/** A link reaches one of the keys in $2: by its own key, or by the folder when no document has its key. */
const REACHES = `(l.target_key = ANY($2::text[]) OR (l.alt_key = ANY($2::text[]) AND NOT ${HAS('l.target_key')}))`;
/**
 * The broken-link count is asked with every status read: kept until this client writes, and at
 * most this long (another client's writes: a server has no cheap "changed since").
 */
const BROKEN_TTL_MS = 2000;

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
  private brokenCache: { at: number; writes: number; count: number } | undefined;
  private filesCache: { at: number; writes: number; limit: number; targets: Array<{ key: string; links: number }> } | undefined;

  constructor(
    private readonly db: PgDatabase,
    private readonly projectId: number,
    /** How many writes this client has begun (PgDocumentStore.writes). */
    private readonly writes: () => number = () => 0,
  ) {}

  async from(path: string): Promise<ResolvedLink[]> {
    const winner = (key: string) => `(SELECT x.file_path, x.title FROM link_keys k JOIN document_index x ON x.id = k.document_id
        WHERE k.project_id = d.project_id AND k.key = ${key} ORDER BY ${SHORTEST} LIMIT 1)`;
    const r = await this.db.query<Row>(`SELECT ${COLUMNS}, coalesce(t.file_path, a.file_path) AS "targetPath",
        CASE WHEN t.file_path IS NOT NULL THEN t.title ELSE a.title END AS "targetTitle"
      FROM document_index d JOIN links l ON l.document_id = d.id
      LEFT JOIN LATERAL ${winner('l.target_key')} t ON true
      LEFT JOIN LATERAL ${winner('l.alt_key')} a ON t.file_path IS NULL AND l.alt_key IS NOT NULL
      WHERE d.project_id = $1 AND d.file_path = $2 ORDER BY l.ordinal`, [this.projectId, path]);
    return r.rows.map(clean);
  }

  /**
   * The keys links reach each path by: those of its keys it wins (the shortest path of the
   * documents with that key), so a link reaches one document, as from() resolves it.
   */
  private async keysOf(paths: string[]): Promise<Array<readonly [string, string]>> {
    const all = paths.flatMap((p) => documentKeys(p).map((key) => [p, key] as const));
    if (!all.length) return [];
    const r = await this.db.query<{ key: string; path: string }>(`SELECT DISTINCT ON (k.key) k.key, x.file_path AS path
      FROM link_keys k JOIN document_index x ON x.id = k.document_id
      WHERE k.project_id = $1 AND k.key = ANY($2::text[]) ORDER BY k.key, ${SHORTEST}`, [this.projectId, [...new Set(all.map(([, k]) => k))]]);
    const winner = new Map(r.rows.map((row) => [row.key, row.path]));
    return all.filter(([p, k]) => winner.get(k) === p);
  }

  private async keysOfOne(path: string): Promise<string[]> {
    return (await this.keysOf([path])).map(([, k]) => k);
  }

  async to(path: string, limit: number): Promise<StoredLink[]> {
    const keys = await this.keysOfOne(path);
    if (!keys.length) return [];
    const r = await this.db.query<Row>(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
      WHERE l.project_id = $1 AND ${REACHES} AND d.file_path != $3
      ORDER BY d.file_path COLLATE "C", l.line, l.ordinal LIMIT $4`, [this.projectId, keys, path, rowLimit(limit)]);
    return r.rows.map(clean);
  }

  async counts(path: string): Promise<{ to: number; from: number }> {
    const keys = await this.keysOfOne(path);
    const r = await this.db.query<{ to: string; from: string }>(`SELECT
        (SELECT count(*) FROM links l JOIN document_index d ON d.id = l.document_id WHERE l.project_id = $1 AND ${REACHES} AND d.file_path != $3) AS "to",
        (SELECT count(*) FROM links l JOIN document_index d ON d.id = l.document_id WHERE d.project_id = $1 AND d.file_path = $3) AS "from"`,
    [this.projectId, keys, path]);
    return { to: keys.length ? Number(r.rows[0].to) : 0, from: Number(r.rows[0].from) };
  }

  async broken(limit: number): Promise<{ count: number; links: StoredLink[] }> {
    const cached = this.brokenCache;
    let count = cached && cached.writes === this.writes() && Date.now() - cached.at < BROKEN_TTL_MS ? cached.count : undefined;
    if (count === undefined) {
      const writes = this.writes(); // taken before the read: a write begun during it counts again next time
      const c = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM links l WHERE l.project_id = $1 AND ${BROKEN}`, [this.projectId]);
      count = Number(c.rows[0].n);
      this.brokenCache = { at: Date.now(), writes, count };
    }
    if (count === 0 || limit <= 0) return { count, links: [] };
    const r = await this.db.query<Row>(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
      WHERE l.project_id = $1 AND ${BROKEN} ORDER BY d.file_path COLLATE "C", l.line, l.ordinal LIMIT $2`, [this.projectId, rowLimit(limit)]);
    return { count, links: r.rows.map(clean) };
  }

  async fileTargets(limit: number): Promise<Array<{ key: string; links: number }>> {
    // Asked with every status read, as broken(): kept until this client writes, and at most BROKEN_TTL_MS.
    const c = this.filesCache;
    if (c && c.writes === this.writes() && c.limit === limit && Date.now() - c.at < BROKEN_TTL_MS) return c.targets;
    const writes = this.writes();
    const r = await this.db.query<{ key: string; links: string }>(`SELECT l.target_key AS key, count(*) AS links FROM links l
      WHERE l.project_id = $1 AND l.target_key LIKE '=%' AND l.kind != 'wikilink' AND l.target NOT LIKE '/%'
      GROUP BY l.target_key ORDER BY l.target_key COLLATE "C" LIMIT $2`, [this.projectId, rowLimit(limit)]);
    const targets = r.rows.map((row) => ({ key: row.key, links: Number(row.links) }));
    this.filesCache = { at: Date.now(), writes, limit, targets };
    return targets;
  }

  async linksWithKeys(keys: string[], limit: number): Promise<StoredLink[]> {
    if (!keys.length) return [];
    const r = await this.db.query<Row>(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
      WHERE l.project_id = $1 AND l.target_key = ANY($2::text[]) AND l.kind != 'wikilink' AND l.target NOT LIKE '/%'
      ORDER BY d.file_path COLLATE "C", l.line, l.ordinal LIMIT $3`, [this.projectId, keys, rowLimit(limit)]);
    return r.rows.map(clean);
  }

  async inbound(paths: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const wanted = await this.keysOf([...new Set(paths)]);
    if (!wanted.length) return out;
    // One query for every path: each path's keys, the distinct other documents with a link reaching one of them.
    const r = await this.db.query<{ path: string; n: string }>(`SELECT w.path, count(DISTINCT l.document_id) AS n
      FROM unnest($2::text[], $3::text[]) AS w(path, key)
      JOIN links l ON l.project_id = $1 AND (l.target_key = w.key OR (l.alt_key = w.key AND NOT ${HAS('l.target_key')}))
      JOIN document_index d ON d.id = l.document_id
      WHERE d.file_path != w.path GROUP BY w.path`, [this.projectId, wanted.map((w) => w[0]), wanted.map((w) => w[1])]);
    for (const row of r.rows) out.set(row.path, Number(row.n));
    return out;
  }
}
