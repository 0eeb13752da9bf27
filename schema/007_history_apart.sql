-- Lore schema 7: session history leaves the index file. It lives in its own file beside the index
-- (lore-user.db, schema/user/), so rebuilding the index, deleting its file or recovering it from
-- corruption never touches it. Lore copies every session and event there before this runs
-- (src/core/db/userData.ts, moveHistory); a run stopped in between copies again, without doubles.
DROP TABLE IF EXISTS session_events_fts;
DROP TABLE IF EXISTS session_events;
DROP TABLE IF EXISTS sessions;
