-- Lore schema 1: documents and their chunks.
-- Times are milliseconds since the Unix epoch (INTEGER). Paths are workspace-relative, '/'-separated.

CREATE TABLE lore_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE document_index (
  id              INTEGER PRIMARY KEY,
  file_path       TEXT    NOT NULL UNIQUE,
  title           TEXT    NOT NULL,
  title_source    TEXT    NOT NULL DEFAULT 'file' CHECK (title_source IN ('frontmatter', 'heading', 'file')),
  document_type   TEXT    NOT NULL,
  type_source     TEXT    NOT NULL DEFAULT 'path' CHECK (type_source IN ('frontmatter', 'path')),
  content_hash    TEXT    NOT NULL,            -- SHA-256 (hex) of the file's bytes
  size            INTEGER NOT NULL,            -- bytes
  mtime           INTEGER NOT NULL,            -- ms
  chunk_count     INTEGER NOT NULL DEFAULT 0,
  embedding_model TEXT,                        -- which model embedded this document (NULL: none yet)
  metadata        TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  last_synced_at  INTEGER,
  sync_status     TEXT    NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'synced', 'failed', 'stale')),
  error           TEXT,                        -- why it failed (NULL unless sync_status = 'failed')
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);

-- Work still to do: the embedding queue and "what is out of date" read only these rows.
CREATE INDEX document_index_todo ON document_index (sync_status, updated_at)
  WHERE sync_status IN ('pending', 'stale');
-- Counts per status, and the files in one status (status view).
CREATE INDEX document_index_status ON document_index (sync_status, file_path);
-- Rename detection: a new path whose bytes match a vanished one.
CREATE INDEX document_index_hash ON document_index (content_hash);
-- Filter by document type.
CREATE INDEX document_index_type ON document_index (document_type);

CREATE TABLE chunks (
  id           INTEGER PRIMARY KEY,           -- stable key; vectors (schema 3+) are keyed by it
  document_id  INTEGER NOT NULL REFERENCES document_index (id) ON DELETE CASCADE,
  ordinal      INTEGER NOT NULL,
  heading_path TEXT    NOT NULL,
  start_line   INTEGER NOT NULL CHECK (start_line >= 1),
  end_line     INTEGER NOT NULL CHECK (end_line >= start_line),
  text         TEXT    NOT NULL,
  content_hash TEXT    NOT NULL,              -- SHA-256 (hex) of text: the embedding cache key
  UNIQUE (document_id, ordinal)
);
-- Embedding cache look-ups by content.
CREATE INDEX chunks_content_hash ON chunks (content_hash);
