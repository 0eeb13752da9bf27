-- Lore on PostgreSQL, schema 2: vector spaces and the team's embedding cache.
-- Neither table needs pgvector: a space's vectors live in a table of their own,
-- lore_vectors_<space id> (chunk_id, embedding vector(dims)) with an HNSW cosine index, made when the
-- space is (that needs pgvector; without it keyword search works and semantic search says why).
-- The cache is shared by every project on the server: a text (by its SHA-256) is embedded once per
-- model for the whole team.

CREATE TABLE lore_vector_spaces (
  id           BIGSERIAL PRIMARY KEY,
  project_id   BIGINT  NOT NULL REFERENCES lore_projects (id) ON DELETE CASCADE,
  model        TEXT    NOT NULL,
  dims         INTEGER NOT NULL CHECK (dims BETWEEN 1 AND 16000),
  active       BOOLEAN NOT NULL DEFAULT false,
  created_at   BIGINT  NOT NULL,
  activated_at BIGINT,
  UNIQUE (project_id, model)
);
CREATE UNIQUE INDEX lore_vector_spaces_one_active ON lore_vector_spaces (project_id) WHERE active;

CREATE TABLE lore_embedding_cache (
  model        TEXT   NOT NULL,
  content_hash TEXT   NOT NULL,
  dims         INTEGER NOT NULL,
  vector       BYTEA  NOT NULL,                     -- float32, little-endian, dims * 4 bytes
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (model, content_hash)
);
