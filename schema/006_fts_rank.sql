-- Lore schema 6: the full-text index's default rank follows Lore's field weights (title 2,
-- heading path 0.5, body 1; src/core/search/bm25.ts), for anything that orders by `rank`.
-- Lore's own queries name the weights themselves; nothing is re-indexed.
INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('rank', 'bm25(2.0, 0.5, 1.0)');
