-- Lore on PostgreSQL, schema 1: many projects' document indexes in one database.
-- The same model as the SQLite index (schema/0*.sql): one row per markdown file with its content
-- hash and sync status, heading-aware chunks with exact line ranges, and a weighted full-text index
-- (title A, heading path B, body C; 'simple' text search configuration plus an English one for stems).
-- Every row carries its project (a workspace folder, named by its git remote or a configured name).
-- Times are milliseconds since the Unix epoch (BIGINT). Paths are project-relative, '/'-separated.

CREATE TABLE lore_projects (
  id         BIGSERIAL PRIMARY KEY,
  name       TEXT   NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 500),  -- e.g. 'github.com/acme/handbook'
  created_at BIGINT NOT NULL
);

CREATE TABLE lore_project_meta (
  project_id BIGINT NOT NULL REFERENCES lore_projects (id) ON DELETE CASCADE,
  key        TEXT   NOT NULL,
  value      TEXT   NOT NULL,
  PRIMARY KEY (project_id, key)
);

CREATE TABLE document_index (
  id              BIGSERIAL PRIMARY KEY,
  project_id      BIGINT  NOT NULL REFERENCES lore_projects (id) ON DELETE CASCADE,
  file_path       TEXT    NOT NULL,
  title           TEXT    NOT NULL,
  title_source    TEXT    NOT NULL DEFAULT 'file' CHECK (title_source IN ('frontmatter', 'heading', 'file')),
  document_type   TEXT    NOT NULL,
  type_source     TEXT    NOT NULL DEFAULT 'path' CHECK (type_source IN ('frontmatter', 'path')),
  content_hash    TEXT    NOT NULL,                 -- SHA-256 (hex) of the file's bytes
  size            BIGINT  NOT NULL,
  mtime           BIGINT  NOT NULL,
  chunk_count     INTEGER NOT NULL DEFAULT 0,
  embedding_model TEXT,
  metadata        JSONB   NOT NULL DEFAULT '{}'::jsonb,
  last_synced_at  BIGINT,
  sync_status     TEXT    NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'synced', 'failed', 'stale')),
  error           TEXT,
  retry           BOOLEAN NOT NULL DEFAULT false,
  created_at      BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL,
  UNIQUE (project_id, file_path)
);
CREATE INDEX document_index_todo ON document_index (project_id, sync_status, updated_at) WHERE sync_status IN ('pending', 'stale');
CREATE INDEX document_index_status ON document_index (project_id, sync_status, file_path);
CREATE INDEX document_index_hash ON document_index (project_id, content_hash);
CREATE INDEX document_index_type ON document_index (project_id, document_type);
CREATE INDEX document_index_title ON document_index (project_id, lower(title));

CREATE TABLE chunks (
  id           BIGSERIAL PRIMARY KEY,
  document_id  BIGINT  NOT NULL REFERENCES document_index (id) ON DELETE CASCADE,
  ordinal      INTEGER NOT NULL,
  heading_path TEXT    NOT NULL,
  start_line   INTEGER NOT NULL CHECK (start_line >= 1),
  end_line     INTEGER NOT NULL CHECK (end_line >= start_line),
  text         TEXT    NOT NULL,
  content_hash TEXT    NOT NULL,                    -- SHA-256 (hex) of text: the embedding cache key
  -- Weighted words: title A, heading path B, body C (the title is the document's, copied here so
  -- one index answers; a title change rewrites the document's chunks anyway).
  title        TEXT    NOT NULL DEFAULT '',
  search       TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(heading_path, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(text, '')), 'C')
  ) STORED,
  UNIQUE (document_id, ordinal)
);
CREATE INDEX chunks_search ON chunks USING GIN (search);
CREATE INDEX chunks_content_hash ON chunks (content_hash);
