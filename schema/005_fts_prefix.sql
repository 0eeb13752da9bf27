-- Lore schema 5: prefix indexes on the full-text index, for search as you type.
-- Without them FTS5 answers "ser"* by merging the posting lists of every word that begins so
-- (100 ms for a two-letter prefix at 100,000 chunks); with them a prefix of 2, 3 or 4 characters
-- is read like one word. The index grows about threefold (40 MB -> 117 MB of full-text data at
-- 100,000 chunks). The table is rebuilt from the chunks; the triggers of schema 2 keep it in step.

DROP TABLE chunks_fts;

CREATE VIRTUAL TABLE chunks_fts USING fts5 (
  title, heading_path, text,
  content = '',
  contentless_delete = 1,
  prefix = '2 3 4',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO chunks_fts (rowid, title, heading_path, text)
  SELECT c.id, d.title, c.heading_path, c.text FROM chunks c JOIN document_index d ON d.id = c.document_id;

-- The default rank, for anything that orders by it: the field weights of the time (schema 6 has today's).
INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('rank', 'bm25(2.0, 1.0, 1.0)');
