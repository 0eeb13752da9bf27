/** BM25's parameters, the same on every backend (SQLite's FTS5 bm25(), PostgreSQL's lore_terms): k1 and b as FTS5 fixes them, and Lore's field weights. */

/**
 * Field weights, chosen on the dev data (BENCHMARKS.md, quality: SciFact dev queries, and
 * known-item queries on rust-book): a title word counts twice, a body word once, a heading-path
 * word half. The first chunk's text also holds the `# Title` line and every chunk's heading path
 * starts with the title, so a title word is in effect counted about three and a half times. A
 * heading path weighed like the body (2/1/1) counted the title once more in every chunk, which
 * ranked passages that merely share a title word above the one that holds the query (known-item
 * MRR@10 on rust-book 0.881 -> 0.885, on the SciFact abstracts 0.960 -> 0.963; SciFact dev nDCG@10
 * 0.7194 -> 0.7186). Lighter titles (1/0.25/1) did better still on known items (0.970) but let a
 * body that repeats a word outrank a title naming it, which a person searching expects first.
 */
export const FIELD_WEIGHTS = { title: 2, heading: 0.5, body: 1 } as const;
export const K1 = 1.2;
export const B = 0.75;
