-- Lore user data, schema 2: durable memory. Facts, preferences and procedures the user or their
-- assistant chose to remember, in hierarchical namespaces ("project:lore:deploy", "user:prefs").
-- Every write is a new version (the old ones stay); forgetting marks the latest version deleted.
-- User data: kept with session history, never touched by an index rebuild.

CREATE TABLE memory_entries (
  id          INTEGER PRIMARY KEY,
  -- "<scope>:<path>", lowercase scope and path segments separated by ':' (checked in core too, with the reason).
  namespace   TEXT    NOT NULL CHECK (length(namespace) BETWEEN 3 AND 200 AND namespace GLOB '[a-z]*:?*'),
  key         TEXT    NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  value       TEXT    NOT NULL CHECK (json_valid(value)),
  memory_type TEXT    NOT NULL DEFAULT 'semantic' CHECK (memory_type IN ('semantic', 'episodic', 'procedural')),
  version     INTEGER NOT NULL CHECK (version > 0),
  is_deleted  INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
  -- 1 on the newest version of its (namespace, key) only: what recall, list and search read.
  is_latest   INTEGER NOT NULL DEFAULT 1 CHECK (is_latest IN (0, 1)),
  metadata    TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  created_by  TEXT    NOT NULL DEFAULT '',     -- who wrote the first version (a person, "cli", "mcp:<client>", "lm:lore_remember")
  updated_by  TEXT    NOT NULL DEFAULT '',     -- who wrote this version
  created_at  INTEGER NOT NULL,                -- when the first version was written
  updated_at  INTEGER NOT NULL,                -- when this version was written
  expires_at  INTEGER,                         -- episodic entries with a TTL: gone from recall after this
  UNIQUE (namespace, key, version)             -- also "the latest version of a key" (scanned backwards) and namespace-prefix ranges
);

-- Listing a namespace prefix, live entries only ("project:lore" -> project:lore, project:lore:deploy ...).
CREATE INDEX memory_current ON memory_entries (namespace, key) WHERE is_latest = 1 AND is_deleted = 0;
-- By type, newest first ("the procedures", "recent episodic notes").
CREATE INDEX memory_by_type ON memory_entries (memory_type, updated_at DESC) WHERE is_latest = 1;
-- Episodic entries past their TTL, found without a scan.
CREATE INDEX memory_expiry ON memory_entries (expires_at) WHERE expires_at IS NOT NULL AND is_latest = 1 AND is_deleted = 0;

-- Who did what to which entry, and from which session: every write, in order.
CREATE TABLE memory_audit (
  id         INTEGER PRIMARY KEY,
  namespace  TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  version    INTEGER,                          -- the version written or acted on (NULL for a purge of every version)
  operation  TEXT    NOT NULL CHECK (operation IN ('create', 'update', 'delete', 'restore', 'consolidate', 'expire', 'purge', 'import')),
  actor      TEXT    NOT NULL DEFAULT '',
  session_id TEXT,
  at         INTEGER NOT NULL
);
CREATE INDEX memory_audit_entry ON memory_audit (namespace, key, id);

-- Text search over the live entries (namespace, key and the string values of value), kept by the
-- store in the same transaction as each write. Contentless: the text lives in memory_entries.
CREATE VIRTUAL TABLE memory_fts USING fts5 (
  text,
  content = '',
  contentless_delete = 1,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
