/** The link graph over Lore's SQLite file (links, link_keys: schema/011_links.sql). */
import type { Database, Statement } from 'better-sqlite3';
import { documentKeys } from '../../links/resolve';
import type { LinkIndex, ResolvedLink, StoredLink } from '../links';

const COLUMNS = `l.line, l.kind, l.target, l.fragment, l.text, l.context, l.target_key AS key,
  d.file_path AS sourcePath, d.title AS sourceTitle`;
/** A key meets no document (and names one: '=' keys are other files). */
const BROKEN = `substr(l.target_key, 1, 1) != '=' AND NOT EXISTS (SELECT 1 FROM link_keys k WHERE k.key = l.target_key)`;
const KEY_SLOTS = 3; // documentKeys gives at most three

type Row = StoredLink & { targetPath?: string | null; targetTitle?: string | null };

function clean(r: Row): ResolvedLink {
  const { targetPath, targetTitle, ...rest } = r;
  return targetPath == null ? rest : { ...rest, targetPath, targetTitle: targetTitle ?? undefined };
}

function keySlots(keys: string[]): string[] {
  // Unused slots repeat the first key (IN with a fixed number of parameters: one prepared statement).
  while (keys.length < KEY_SLOTS) keys.push(keys[0]);
  return keys;
}

export class SqliteLinkIndex implements LinkIndex {
  private readonly s: Record<string, Statement>;
  private brokenCache: { version: string; count: number } | undefined;

  constructor(private readonly db: Database) {
    const slots = Array(KEY_SLOTS).fill('?').join(', ');
    this.s = {
      from: db.prepare(`SELECT ${COLUMNS}, t.file_path AS targetPath, t.title AS targetTitle
        FROM links l JOIN document_index d ON d.id = l.document_id
        LEFT JOIN document_index t ON t.id = (SELECT k.document_id FROM link_keys k JOIN document_index x ON x.id = k.document_id
          WHERE k.key = l.target_key ORDER BY length(x.file_path), x.file_path LIMIT 1)
        WHERE d.file_path = ? ORDER BY l.ordinal`),
      to: db.prepare(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
        WHERE l.target_key IN (${slots}) AND d.file_path != ? ORDER BY d.file_path, l.line, l.ordinal LIMIT ?`),
      brokenCount: db.prepare(`SELECT count(*) AS n FROM links l WHERE ${BROKEN}`),
      broken: db.prepare(`SELECT ${COLUMNS} FROM links l JOIN document_index d ON d.id = l.document_id
        WHERE ${BROKEN} ORDER BY d.file_path, l.line, l.ordinal LIMIT ?`),
      changes: db.prepare('SELECT total_changes()').pluck(),
      named: db.prepare(`SELECT x.file_path FROM link_keys k JOIN document_index x ON x.id = k.document_id
        WHERE k.key = ? ORDER BY length(x.file_path), x.file_path LIMIT 1`).pluck(),
      inbound: db.prepare(`SELECT count(DISTINCT l.document_id) AS n FROM links l
        WHERE l.target_key IN (${slots}) AND l.document_id NOT IN (SELECT id FROM document_index WHERE file_path = ?)`),
    };
  }

  /**
   * The keys links reach `path` by. A wikilink's name (~name) counts only for the document it
   * resolves to (the shortest path of that name), as from() resolves it.
   */
  private keysOf(path: string): string[] {
    return keySlots(documentKeys(path).filter((k) => !k.startsWith('~') || this.s.named.get(k) === path));
  }

  async from(path: string): Promise<ResolvedLink[]> {
    return (this.s.from.all(path) as Row[]).map(clean);
  }

  async to(path: string, limit: number): Promise<StoredLink[]> {
    return (this.s.to.all(...this.keysOf(path), path, Math.max(0, Math.floor(limit))) as Row[]).map(clean);
  }

  async broken(limit: number): Promise<{ count: number; links: StoredLink[] }> {
    // Asked with every status read: counted again only once any connection committed a change (as documents.counts()).
    const version = `${this.db.pragma('data_version', { simple: true })}:${this.s.changes.get()}`;
    const n = this.brokenCache?.version === version ? this.brokenCache.count : (this.s.brokenCount.get() as { n: number }).n;
    this.brokenCache = { version, count: n };
    const links = n === 0 ? [] : (this.s.broken.all(Math.max(0, Math.floor(limit))) as Row[]).map(clean);
    return { count: n, links };
  }

  async inbound(paths: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const p of new Set(paths)) {
      const { n } = this.s.inbound.get(...this.keysOf(p), p) as { n: number };
      if (n > 0) out.set(p, n);
    }
    return out;
  }
}
