-- Lore schema 2: full-text index over chunk text, heading path and document title.
-- Contentless with delete support: the text lives once, in chunks; snippets are cut from there.
-- Triggers keep it exactly in step with chunks and with document titles.

CREATE VIRTUAL TABLE chunks_fts USING fts5 (
  title, heading_path, text,
  content = '',
  contentless_delete = 1,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_fts (rowid, title, heading_path, text)
    VALUES (new.id, (SELECT title FROM document_index WHERE id = new.document_id), new.heading_path, new.text);
END;

CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
  DELETE FROM chunks_fts WHERE rowid = old.id;
END;

CREATE TRIGGER chunks_fts_update AFTER UPDATE OF heading_path, text, document_id ON chunks BEGIN
  DELETE FROM chunks_fts WHERE rowid = old.id;
  INSERT INTO chunks_fts (rowid, title, heading_path, text)
    VALUES (new.id, (SELECT title FROM document_index WHERE id = new.document_id), new.heading_path, new.text);
END;

-- A renamed file can change its title (titles taken from the file name): re-index its chunks' title column.
CREATE TRIGGER document_title_fts AFTER UPDATE OF title ON document_index WHEN old.title IS NOT new.title BEGIN
  DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE document_id = new.id);
  INSERT INTO chunks_fts (rowid, title, heading_path, text)
    SELECT id, new.title, heading_path, text FROM chunks WHERE document_id = new.id;
END;

-- Fill the index for chunks written at schema 1.
INSERT INTO chunks_fts (rowid, title, heading_path, text)
  SELECT c.id, d.title, c.heading_path, c.text FROM chunks c JOIN document_index d ON d.id = c.document_id;

-- Rank: a match in the title weighs 10x, in a heading path 4x, a match in the body 1x.
INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)');
