-- Lore schema 3: vector spaces and the embedding cache.
-- The vectors themselves live in sqlite-vec `vec0` tables created at run time, one per space
-- (model + dimensions), by VectorStore.ensureSpace (src/core/search/vectors.ts). Nothing here
-- needs sqlite-vec: a runtime where it cannot load still migrates, indexes and keyword-searches.

CREATE TABLE vector_spaces (
  id           INTEGER PRIMARY KEY,
  model        TEXT    NOT NULL UNIQUE,       -- embedder model id, e.g. 'ollama:nomic-embed-text'
  dims         INTEGER NOT NULL CHECK (dims > 0),
  table_name   TEXT    NOT NULL UNIQUE,       -- the vec0 table holding this space (Lore-made name, never user text)
  bits         INTEGER NOT NULL DEFAULT 0,    -- 1: the table also holds a bit[dims] column for prefiltering
  version      INTEGER NOT NULL DEFAULT 0,    -- bumped on every write to the space (search caches key on it)
  active       INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)), -- the space that serves semantic search
  created_at   INTEGER NOT NULL,
  activated_at INTEGER,
  compacted_at INTEGER
);
-- At most one space serves search at a time (a model switch fills a second one in the shadow).
CREATE UNIQUE INDEX vector_spaces_one_active ON vector_spaces (active) WHERE active = 1;

-- Chunks deleted (or rewritten) since their vectors were last cleaned up. A trigger that deleted
-- from a vec0 table directly would make every chunk DELETE fail with "no such module: vec0" in a
-- runtime where sqlite-vec cannot load, breaking keyword indexing; so the trigger only records the
-- id here, and VectorStore applies these before every read and write (readers that cannot write
-- exclude them instead). Vectors therefore never serve a chunk that is gone.
CREATE TABLE vector_deletes (
  chunk_id INTEGER PRIMARY KEY
);

CREATE TRIGGER chunks_vectors_delete AFTER DELETE ON chunks
  WHEN EXISTS (SELECT 1 FROM vector_spaces) BEGIN
  INSERT OR IGNORE INTO vector_deletes (chunk_id) VALUES (old.id);
END;

CREATE TRIGGER chunks_vectors_update AFTER UPDATE OF text, content_hash ON chunks
  WHEN EXISTS (SELECT 1 FROM vector_spaces) BEGIN
  INSERT OR IGNORE INTO vector_deletes (chunk_id) VALUES (old.id);
END;

-- Embedding cache: an unchanged chunk text is never sent to the embedder again, across renames,
-- re-chunking and rebuilds. Independent of chunks: deleting documents keeps it.
CREATE TABLE embedding_cache (
  model        TEXT    NOT NULL,
  content_hash TEXT    NOT NULL,              -- chunks.content_hash (SHA-256 hex of the chunk text)
  dims         INTEGER NOT NULL,
  vector       BLOB    NOT NULL,              -- float32 little-endian, normalised
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (model, content_hash)
) WITHOUT ROWID;
