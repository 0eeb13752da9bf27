import type { Database, Statement } from 'better-sqlite3';
import type { ParsedLink } from '../../types';
import { documentKeys, linkKeys } from '../../links/resolve';

/** A document's links and the keys it is reached by, written inside the transaction that writes the document. */
export class LinkWrites {
  private readonly s: Record<string, Statement>;

  constructor(db: Database) {
    this.s = {
      deleteLinks: db.prepare('DELETE FROM links WHERE document_id = ?'),
      insertLink: db.prepare(`INSERT INTO links (document_id, ordinal, line, kind, target, fragment, text, context, target_key, alt_key)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteKeys: db.prepare('DELETE FROM link_keys WHERE document_id = ?'),
      insertKey: db.prepare('INSERT OR IGNORE INTO link_keys (key, document_id) VALUES (?, ?)'),
      linksOf: db.prepare('SELECT ordinal, kind, target FROM links WHERE document_id = ?'),
      rekey: db.prepare('UPDATE links SET target_key = ?, alt_key = ? WHERE document_id = ? AND ordinal = ?'),
    };
  }

  private writeKeys(id: number, path: string): void {
    this.s.deleteKeys.run(id);
    for (const key of documentKeys(path)) this.s.insertKey.run(key, id);
  }

  write(id: number, path: string, links: readonly ParsedLink[]): void {
    this.writeKeys(id, path);
    this.s.deleteLinks.run(id);
    links.forEach((l, i) => {
      const k = linkKeys(path, l);
      this.s.insertLink.run(id, i, l.line, l.kind, l.target, l.fragment, l.text, l.context, k.key, k.alt ?? null);
    });
  }

  /** The document moved: it is reached by its new path's keys, and its relative links are resolved from its new folder. */
  moved(id: number, newPath: string): void {
    this.writeKeys(id, newPath);
    for (const l of this.s.linksOf.all(id) as Array<{ ordinal: number; kind: ParsedLink['kind']; target: string }>) {
      const k = linkKeys(newPath, l);
      this.s.rekey.run(k.key, k.alt ?? null, id, l.ordinal);
    }
  }
}
