/** The link graph over Lore's SQLite file (links, link_keys: schema/011_links.sql). */
import type { Database, Statement } from 'better-sqlite3';
import { documentKeys } from '../../links/resolve';
import type { LinkIndex, ResolvedLink, StoredLink } from '../links';

const COLUMNS = `l.line, l.kind, l.target, l.fragment, l.text, l.context, l.target_key AS key,
  d.file_path AS sourcePath, d.title AS sourceTitle`;
/** The document a key reaches: of those that have it, the shortest path. */
const WINNER = (key: string) => `(SELECT k.document_id FROM link_keys k JOIN document_index x ON x.id = k.document_id
  WHERE k.key = ${key} ORDER BY length(x.file_path), x.file_path LIMIT 1)`;
const HAS = (key: string) => `EXISTS (SELECT 1 FROM link_keys k WHERE k.key = ${key})`;
/** A link to a document that reaches none: neither by its key nor by the folder it may also name ('=' keys are other files). */
const BROKEN = `substr(l.target_key, 1, 1) != '=' AND NOT ${HAS('l.target_key')} AND (l.alt_key IS NULL OR NOT ${HAS('l.alt_key')})`;
/** A link reaches one of the keys in the slots: by its own key, or by the folder when no document has its key. */
const REACHES = (slots: string) => `(l.target_key IN (${slots}) OR (l.alt_key IN (${slots}) AND NOT ${HAS('l.target_key')}))`;
const KEY_SLOTS = 3; // documentKeys gives at most three

type Row = StoredLink & { targetPath?: string | null; targetTitle?: string | null };

function clean(r: Row): ResolvedLink {
  const { targetPath, targetTitle, ...rest } = r;
  return targetPath == null ? rest : { ...rest, targetPath, targetTitle: targetTitle ?? undefined };
}

export class SqliteLinkIndex implements LinkIndex {
  private readonly s: Record<string, Statement>;
  private brokenCache: { version: string; count: number } | undefined;
  private filesCache: { version: string; limit: number; targets: Array<{ key: string; links: number }> } | undefined;

  constructor(private readonly db: Database) {
    const slots = Array(KEY_SLOTS).fill('?').join(', ');
    this.s = {
      from: db.prepare(`SELECT ${COLUMNS}, t.file_path AS targetPath, t.title AS targetTitle
        FROM links l JOIN document_index d ON d.id = l.document_id
        LEFT JOIN document_index t ON t.id = coalesce(${WINNER('l.target_key')}, CASE WHEN l.alt_key IS NOT NULL THEN ${WINNER('l.alt_key')} END)
        WHERE d.file_path = ? ORDER BY l.ordinal`),
      to: db.prepare(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
        WHERE ${REACHES(slots)} AND d.file_path != ? ORDER BY d.file_path, l.line, l.ordinal LIMIT ?`),
      toCount: db.prepare(`SELECT count(*) FROM links l JOIN document_index d ON d.id = l.document_id
        WHERE ${REACHES(slots)} AND d.file_path != ?`).pluck(),
      fromCount: db.prepare('SELECT count(*) FROM links l JOIN document_index d ON d.id = l.document_id WHERE d.file_path = ?').pluck(),
      brokenCount: db.prepare(`SELECT count(*) AS n FROM links l WHERE ${BROKEN}`),
      broken: db.prepare(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
        WHERE ${BROKEN} ORDER BY d.file_path, l.line, l.ordinal LIMIT ?`),
      // Keys of files that are not documents start with '=': the range ['=', '>') of the key index.
      fileTargets: db.prepare(`SELECT target_key AS key, count(*) AS links FROM links
        WHERE target_key >= '=' AND target_key < '>' AND kind != 'wikilink' AND substr(target, 1, 1) != '/' GROUP BY target_key ORDER BY target_key LIMIT ?`),
      withKeys: db.prepare(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
        WHERE l.target_key IN (SELECT value FROM json_each(?)) AND l.kind != 'wikilink' AND substr(l.target, 1, 1) != '/' ORDER BY d.file_path, l.line, l.ordinal LIMIT ?`),
      changes: db.prepare('SELECT total_changes()').pluck(),
      winner: db.prepare(`SELECT file_path FROM document_index WHERE id = ${WINNER('?')}`).pluck(),
      inbound: db.prepare(`SELECT count(DISTINCT l.document_id) AS n FROM links l
        WHERE ${REACHES(slots)} AND l.document_id NOT IN (SELECT id FROM document_index WHERE file_path = ?)`),
    };
  }

  /**
   * The keys links reach `path` by: those of its keys it wins (the shortest path of the documents
   * with that key), so a link reaches one document, as from() resolves it. Padded to the slots
   * (IN with a fixed number of parameters: one prepared statement); undefined when it wins none.
   */
  private keysOf(path: string): string[] | undefined {
    const keys = documentKeys(path).filter((k) => this.s.winner.get(k) === path);
    if (!keys.length) return undefined;
    while (keys.length < KEY_SLOTS) keys.push(keys[0]);
    return keys;
  }

  async from(path: string): Promise<ResolvedLink[]> {
    return (this.s.from.all(path) as Row[]).map(clean);
  }

  async to(path: string, limit: number): Promise<StoredLink[]> {
    const keys = this.keysOf(path);
    return keys ? (this.s.to.all(...keys, ...keys, path, Math.max(0, Math.floor(limit))) as Row[]).map(clean) : [];
  }

  async counts(path: string): Promise<{ to: number; from: number }> {
    const keys = this.keysOf(path);
    return { to: keys ? (this.s.toCount.get(...keys, ...keys, path) as number) : 0, from: this.s.fromCount.get(path) as number };
  }

  /** Changes whenever any connection commits a change (as documents.counts() reads it). */
  private version(): string {
    return `${this.db.pragma('data_version', { simple: true })}:${this.s.changes.get()}`;
  }

  async broken(limit: number): Promise<{ count: number; links: StoredLink[] }> {
    // Asked with every status read: counted again only once any connection committed a change.
    const version = this.version();
    const n = this.brokenCache?.version === version ? this.brokenCache.count : (this.s.brokenCount.get() as { n: number }).n;
    this.brokenCache = { version, count: n };
    const links = n === 0 || limit <= 0 ? [] : (this.s.broken.all(Math.floor(limit)) as Row[]).map(clean);
    return { count: n, links };
  }

  async fileTargets(limit: number): Promise<Array<{ key: string; links: number }>> {
    // Asked with every status read too: read again only after a change.
    const version = this.version();
    const n = Math.max(0, Math.floor(limit));
    if (this.filesCache?.version === version && this.filesCache.limit === n) return this.filesCache.targets;
    const targets = this.s.fileTargets.all(n) as Array<{ key: string; links: number }>;
    this.filesCache = { version, limit: n, targets };
    return targets;
  }

  async linksWithKeys(keys: string[], limit: number): Promise<StoredLink[]> {
    return keys.length ? (this.s.withKeys.all(JSON.stringify(keys), Math.max(0, Math.floor(limit))) as Row[]).map(clean) : [];
  }

  async inbound(paths: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const p of new Set(paths)) {
      const keys = this.keysOf(p);
      const n = keys ? (this.s.inbound.get(...keys, ...keys, p) as { n: number }).n : 0;
      if (n > 0) out.set(p, n);
    }
    return out;
  }
}
