-- Lore on PostgreSQL, schema 4: the links between documents, as SQLite keeps them (schema/011_links.sql).
-- links: each link of a document (markdown, reference, wiki and image links) in source order, with
-- the key of what it points at (its resolved path without a document extension, '~name' for a
-- wikilink, '=path' for a file that is not a document: src/core/links/resolve.ts). link_keys: every
-- key each document is reached by. A link is resolved by joining the two when it is read, so a
-- rename, an addition or a deletion re-resolves the links to it at once. Both carry their project,
-- so a key meets only the documents of its own project and the broken-link query reads one
-- project's rows by index. The chunker version moved with this schema, so each project's next full
-- run parses every file once more and fills both tables (no text is embedded again).

CREATE TABLE links (
  document_id BIGINT  NOT NULL REFERENCES document_index (id) ON DELETE CASCADE,
  ordinal     INTEGER NOT NULL,
  project_id  BIGINT  NOT NULL,                     -- the document's (copied here: one index answers by key)
  line        INTEGER NOT NULL CHECK (line >= 1),
  kind        TEXT    NOT NULL CHECK (kind IN ('inline', 'reference', 'wikilink', 'image')),
  target      TEXT    NOT NULL,
  fragment    TEXT    NOT NULL DEFAULT '',
  text        TEXT    NOT NULL DEFAULT '',
  context     TEXT    NOT NULL DEFAULT '',
  target_key  TEXT    NOT NULL,
  alt_key     TEXT,                                 -- the folder a link may also name ('docs' -> 'docs/'), used when no document has target_key
  PRIMARY KEY (document_id, ordinal)
);
CREATE INDEX links_target ON links (project_id, target_key);
CREATE INDEX links_alt ON links (project_id, alt_key) WHERE alt_key IS NOT NULL;

CREATE TABLE link_keys (
  project_id  BIGINT NOT NULL,
  key         TEXT   NOT NULL,
  document_id BIGINT NOT NULL REFERENCES document_index (id) ON DELETE CASCADE,
  PRIMARY KEY (project_id, key, document_id)
);
CREATE INDEX link_keys_document ON link_keys (document_id);
