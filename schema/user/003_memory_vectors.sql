-- Lore user data, schema 3: vectors of memories, for semantic search over them when an embedder is
-- live. Derived data (made again from the entries by any embedder), kept per model so switching
-- models back and forth embeds nothing twice. A version's vector goes with it (purge) and is
-- dropped when a newer version replaces it.

CREATE TABLE memory_vectors (
  entry_id INTEGER NOT NULL REFERENCES memory_entries (id) ON DELETE CASCADE,
  model    TEXT    NOT NULL CHECK (length(model) BETWEEN 1 AND 300),
  vector   BLOB    NOT NULL CHECK (length(vector) % 4 = 0 AND length(vector) > 0),  -- float32, little-endian
  PRIMARY KEY (entry_id, model)
) WITHOUT ROWID;
CREATE INDEX memory_vectors_model ON memory_vectors (model);
