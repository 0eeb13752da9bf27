/**
 * The keyword ranking function, in one place: FTS5's own bm25() over the three columns of
 * chunks_fts (title, heading_path, text) with Lore's field weights. FTS5 fixes k1 = 1.2 and
 * b = 0.75 and computes, per query phrase i, idf_i * f_i * (k1 + 1) / (f_i + k1 * (1 - b + b * D / avgD))
 * where f_i is the phrase's weighted count over the columns and D the row's length in tokens;
 * a row's score is the sum over phrases, so a row matching more of the query ranks higher.
 */
import type { Database } from 'better-sqlite3';

import { B, FIELD_WEIGHTS, K1 } from '../../search/bm25Params';

export { B, FIELD_WEIGHTS, K1 };
export const BM25_SQL = `bm25(chunks_fts, ${FIELD_WEIGHTS.title}, ${FIELD_WEIGHTS.heading}, ${FIELD_WEIGHTS.body})`;

/** FTS5's IDF: log((N - df + 0.5) / (df + 0.5)), and 1e-6 where that is not positive (words in most rows). */
export function idf(rows: number, df: number): number {
  const v = Math.log((rows - df + 0.5) / (df + 0.5));
  return v > 0 ? v : 1e-6;
}

/** The most one phrase can add to a row's score, whatever its counts and the row's length. */
export function maxContribution(rows: number, df: number): number {
  return idf(rows, df) * (K1 + 1);
}

/** SQLite's varint (1-9 bytes, big-endian 7-bit groups; the 9th byte is whole). */
export function varint(buf: Buffer, at: number): [value: number, next: number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const byte = buf[at + i];
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) return [v, at + i + 1];
  }
  return [v * 256 + buf[at + 8], at + 9];
}

/**
 * Rows in the full-text index and their average length per column, from FTS5's own averages
 * record (what its bm25() uses), read in microseconds instead of counting 100,000 rows.
 */
export function indexTotals(db: Database): { rows: number; avgTokens: number[] } {
  const block = db.prepare('SELECT block FROM chunks_fts_data WHERE id = 1').pluck().get() as Buffer | undefined;
  if (!block || !block.length) return { rows: 0, avgTokens: [0, 0, 0] };
  let [rows, at] = varint(block, 0);
  const avgTokens: number[] = [];
  for (let c = 0; c < 3; c++) {
    const [total, next] = varint(block, at);
    avgTokens.push(rows ? total / rows : 0);
    at = next;
  }
  return { rows, avgTokens };
}
