-- Lore schema 11: the links between documents (markdown, reference, wiki and image links), read
-- by the parser and written with each document's chunks. Each link keeps the key of what it points
-- at (its resolved path without a document extension, '~name' for a wikilink, '=path' for a file
-- that is not a document: src/core/links/resolve.ts); link_keys holds every key each document is
-- reached by. A link is resolved by joining the two when it is read, so a rename, an addition or a
-- deletion re-resolves the links to it at once. The chunker version moved with this schema, so the
-- next full run parses every file once more and fills both tables (no text is embedded again).
CREATE TABLE links (
  document_id INTEGER NOT NULL REFERENCES document_index (id) ON DELETE CASCADE,
  ordinal     INTEGER NOT NULL,
  line        INTEGER NOT NULL CHECK (line >= 1),
  kind        TEXT    NOT NULL CHECK (kind IN ('inline', 'reference', 'wikilink', 'image')),
  target      TEXT    NOT NULL,
  fragment    TEXT    NOT NULL DEFAULT '',
  text        TEXT    NOT NULL DEFAULT '',
  context     TEXT    NOT NULL DEFAULT '',
  target_key  TEXT    NOT NULL,
  alt_key     TEXT,                                 -- the folder a link may also name ('docs' -> 'docs/'), used when no document has target_key
  PRIMARY KEY (document_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX links_target ON links (target_key);
CREATE INDEX links_alt ON links (alt_key) WHERE alt_key IS NOT NULL;

CREATE TABLE link_keys (
  key         TEXT    NOT NULL,
  document_id INTEGER NOT NULL REFERENCES document_index (id) ON DELETE CASCADE,
  PRIMARY KEY (key, document_id)
) WITHOUT ROWID;
CREATE INDEX link_keys_document ON link_keys (document_id);
