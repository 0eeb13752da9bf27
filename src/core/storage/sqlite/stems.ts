/**
 * Words as the full-text index sees them, for the few places that must match text outside FTS5
 * exactly as FTS5 would (document evidence, coverage.ts). The index's tokenizer is
 * `porter unicode61 remove_diacritics 2`: a token is a run of letters, digits and private-use
 * characters, case-folded, diacritics removed, then Porter-stemmed. Rather than a second Porter
 * implementation that could disagree with SQLite's on some word, the stems are asked of FTS5
 * itself (a private in-memory table with the same tokenizer) and kept: a word's stem never changes.
 */
import Database from 'better-sqlite3';

const CACHE_LIMIT = 50_000;

export class Stemmer {
  private db: { db: Database.Database; insert: Database.Statement; terms: Database.Statement; clear: Database.Statement } | undefined;
  private readonly cache = new Map<string, string>();

  /** The index term of each word (a word that yields no single token maps to ''). */
  stems(words: Iterable<string>): Map<string, string> {
    const out = new Map<string, string>();
    const unknown: string[] = [];
    for (const w of words) {
      const hit = this.cache.get(w);
      if (hit !== undefined) out.set(w, hit);
      else if (!out.has(w)) {
        out.set(w, '');
        unknown.push(w);
      }
    }
    if (unknown.length) {
      if (this.cache.size + unknown.length > CACHE_LIMIT) this.cache.clear();
      for (const [w, s] of this.ask(unknown)) {
        out.set(w, s);
        this.cache.set(w, s);
      }
    }
    return out;
  }

  close(): void {
    this.db?.db.close();
    this.db = undefined;
  }

  /** One row of the words, space-separated; its tokens in order are the words' stems. */
  private ask(words: string[]): Map<string, string> {
    const { insert, terms: tokens, clear } = this.open();
    const out = new Map<string, string>();
    const read = (text: string): string[] => {
      insert.run(text);
      try {
        return tokens.all() as string[];
      } finally {
        clear.run();
      }
    };
    const terms = read(words.join(' '));
    if (terms.length === words.length) words.forEach((w, i) => out.set(w, terms[i]));
    else {
      for (const w of words) {
        const one = read(w); // a word FTS5 splits or drops: one at a time
        out.set(w, one.length === 1 ? one[0] : '');
      }
    }
    return out;
  }

  private open() {
    if (!this.db) {
      const db = new Database(':memory:');
      db.exec(`CREATE VIRTUAL TABLE w USING fts5 (x, tokenize = 'porter unicode61 remove_diacritics 2');
        CREATE VIRTUAL TABLE v USING fts5vocab (w, instance);`);
      this.db = {
        db,
        insert: db.prepare('INSERT INTO w (rowid, x) VALUES (1, ?)'),
        terms: db.prepare('SELECT term FROM v ORDER BY "offset"').pluck(),
        clear: db.prepare('DELETE FROM w'),
      };
    }
    return this.db;
  }
}
