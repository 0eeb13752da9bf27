-- Lore user data, schema 1: session history (searches, opened results, chat turns, tool calls).
-- Its own file beside the index (lore-user.db): the index is rebuilt from the markdown, this never is.
-- The same tables as index schema 4, which kept them in the index file; they move here on first open.

CREATE TABLE sessions (
  id               TEXT    PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  title            TEXT    NOT NULL DEFAULT '',
  status           TEXT    NOT NULL DEFAULT 'created'
                           CHECK (status IN ('created', 'active', 'paused', 'terminated', 'archived')),
  state            TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(state) AND json_type(state) = 'object'),
  metadata         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  created_at       INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL,
  terminated_at    INTEGER,
  archived_at      INTEGER
);

-- "Recent sessions" (the sidebar, list_sessions): newest first, archived ones left out.
CREATE INDEX sessions_recent ON sessions (last_update_time DESC) WHERE status != 'archived';
-- Every session by age (include archived, retention pruning).
CREATE INDEX sessions_by_update ON sessions (last_update_time);

CREATE TABLE session_events (
  id         INTEGER PRIMARY KEY,
  session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL CHECK (seq >= 1),     -- 1, 2, 3... within its session
  type       TEXT    NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
  payload    TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload) AND json_type(payload) = 'object'),
  time       INTEGER NOT NULL,
  UNIQUE (session_id, seq)                          -- "events of a session, in order"
);
-- "Newest events" (across sessions) walk the rowid backwards: ids grow with every event recorded.

-- Text search over the string values of event payloads (queries, prompts, answers, paths).
-- Contentless: the text lives once, in session_events.payload. Kept in step by triggers,
-- including deletions cascaded from sessions.
CREATE VIRTUAL TABLE session_events_fts USING fts5 (
  text,
  content = '',
  contentless_delete = 1,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER session_events_fts_insert AFTER INSERT ON session_events BEGIN
  INSERT INTO session_events_fts (rowid, text)
    VALUES (new.id, coalesce((SELECT group_concat(value, ' ') FROM json_tree(new.payload) WHERE type = 'text'), ''));
END;

CREATE TRIGGER session_events_fts_delete AFTER DELETE ON session_events BEGIN
  DELETE FROM session_events_fts WHERE rowid = old.id;
END;

CREATE TRIGGER session_events_fts_update AFTER UPDATE OF payload ON session_events BEGIN
  DELETE FROM session_events_fts WHERE rowid = old.id;
  INSERT INTO session_events_fts (rowid, text)
    VALUES (new.id, coalesce((SELECT group_concat(value, ' ') FROM json_tree(new.payload) WHERE type = 'text'), ''));
END;
