-- Lore schema 10: the index's status is asked for every few hundred milliseconds while a run goes
-- on (the status bar, the Index Status view). Its counts of empty and warned documents and its
-- latest sync time scanned every row (29 ms at 39,000 documents, on the editor's thread); with
-- these the empty and warned counts read only the few rows they count, and the latest sync is a
-- seek (3 ms in all, most of it the per-status count over document_index_status).
CREATE INDEX document_index_empty ON document_index (sync_status) WHERE chunk_count = 0;
CREATE INDEX document_index_warned ON document_index (sync_status) WHERE error IS NOT NULL;
CREATE INDEX document_index_synced_at ON document_index (last_synced_at);
