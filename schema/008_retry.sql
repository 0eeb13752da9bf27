-- Lore schema 8: a failure that may clear by itself (disk full, database busy, an I/O or permission
-- error) is marked so; the next run and the watcher's back-off try such files again, where a
-- failure in the file itself (binary, too large, unparseable) waits for the file to change.
ALTER TABLE document_index ADD COLUMN retry INTEGER NOT NULL DEFAULT 0;
