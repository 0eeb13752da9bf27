/**
 * The baseline every Lore ranking is measured against, computed in the same run on the same
 * documents: plain SQLite FTS5 BM25, one row per document (title + text), `porter unicode61`,
 * an OR of the query's words of two or more characters, `ORDER BY bm25(t)`. No chunks, no field
 * weights, no tricks: what a developer gets from FTS5 in ten lines.
 */
import Database from 'better-sqlite3';

export class PlainBm25 {
  private readonly db = new Database(':memory:');
  private readonly query;

  constructor(docs: Iterable<{ id: string; title: string; text: string }>) {
    this.db.exec(`CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, body, tokenize = 'porter unicode61')`);
    const insert = this.db.prepare('INSERT INTO t (id, body) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const d of docs) insert.run(d.id, `${d.title} ${d.text}`);
    })();
    this.query = this.db.prepare('SELECT id FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?').pluck();
  }

  search(text: string, k: number): string[] {
    const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 2);
    if (!words.length) return [];
    return this.query.all([...new Set(words)].map((w) => `"${w}"`).join(' OR '), k) as string[];
  }

  close(): void {
    this.db.close();
  }
}
