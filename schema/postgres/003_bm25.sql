-- Lore on PostgreSQL, schema 3: BM25 ranking, the same function as SQLite's FTS5 bm25() (k1 1.2,
-- b 0.75, title 2 / heading path 0.5 / body 1), in place of ts_rank (which ranked SciFact's dev
-- queries at nDCG@10 0.57 where SQLite's BM25 gets 0.72).
-- lore_terms: each chunk's words (English stems, stopwords kept, as its tsvector holds them) with their weighted
-- counts over the three fields, and the chunk's document and length (so a search ranks from this
-- table alone and reads the chunks of the results only); chunks.tokens: its length in words (all words, stopwords too, as
-- FTS5 counts them); document_index.tokens: the sum over its chunks (the project's average length
-- is read from the documents). The term is in the "C" collation so that a prefix is a range of the index.

-- Stems without a stopword list (FTS5 keeps every word, with the small weight a common word gets):
-- the English Snowball stemmer alone, as the text search configuration lore_english.
CREATE TEXT SEARCH DICTIONARY lore_english_stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH CONFIGURATION lore_english (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION lore_english
  ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH lore_english_stem;
ALTER TABLE chunks DROP COLUMN search;
ALTER TABLE chunks ADD COLUMN search TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('lore_english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('lore_english', coalesce(heading_path, '')), 'B') ||
    setweight(to_tsvector('lore_english', coalesce(text, '')), 'C')
  ) STORED;
CREATE INDEX chunks_search ON chunks USING GIN (search);

ALTER TABLE chunks ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE document_index ADD COLUMN tokens BIGINT NOT NULL DEFAULT 0;

CREATE TABLE lore_terms (
  project_id BIGINT NOT NULL,
  term       TEXT COLLATE "C" NOT NULL,
  chunk_id   BIGINT NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
  document_id BIGINT NOT NULL,
  tf         REAL   NOT NULL,
  dl         INTEGER NOT NULL,
  PRIMARY KEY (project_id, term, chunk_id)
);
CREATE INDEX lore_terms_chunk ON lore_terms (chunk_id);

-- What is already indexed gets its terms and lengths now.
UPDATE chunks SET tokens = coalesce(array_length(regexp_split_to_array(btrim(regexp_replace(title || ' ' || heading_path || ' ' || text, '[^[:alnum:]]+', ' ', 'g')), ' '), 1), 0)
  WHERE btrim(regexp_replace(title || ' ' || heading_path || ' ' || text, '[^[:alnum:]]+', ' ', 'g')) <> '';
UPDATE document_index d SET tokens = coalesce((SELECT sum(tokens) FROM chunks WHERE document_id = d.id), 0);
INSERT INTO lore_terms (project_id, term, chunk_id, document_id, tf, dl)
  SELECT d.project_id, l.lexeme, c.id, c.document_id, sum(CASE w WHEN 'A' THEN 2 WHEN 'B' THEN 0.5 ELSE 1 END), c.tokens
  FROM chunks c JOIN document_index d ON d.id = c.document_id
  CROSS JOIN LATERAL unnest(c.search) l CROSS JOIN LATERAL unnest(l.weights) w
  GROUP BY d.project_id, l.lexeme, c.id;
