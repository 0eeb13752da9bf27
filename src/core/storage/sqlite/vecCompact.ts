import type { Database, Statement } from 'better-sqlite3';
import type { SpaceRow } from './vecTypes';

/**
 * sqlite-vec 0.1.9 stores a vec0 table in blocks of `chunk_size` rows. DELETE only clears a
 * validity bit; a block's pages are freed when its last row goes, and new rows are only ever
 * appended to the newest block. So scattered deletes (documents rewritten here and there) leave
 * holes that are never reused. Rebuilding the whole table would need room for two copies at once
 * (the file ends up twice the size); instead this moves the live rows out of the emptiest blocks
 * (read, delete, insert: they land in the newest block), one block at a time, so each emptied
 * block is freed and its pages reused by the next: the file never needs more than a block extra.
 */
export function storageOf(stmt: (sql: string) => Statement, table: string, chunkSize: number): { live: number; allocated: number } {
  const { blocks } = stmt(`SELECT count(*) AS blocks FROM "${table}_chunks"`).get() as { blocks: number };
  const { live } = stmt(`SELECT count(*) AS live FROM "${table}_rowids"`).get() as { live: number };
  return { live, allocated: blocks * chunkSize };
}

/** Moves rows out of sparse blocks until the holes are below `ratio` of the live rows. Returns rows moved. */
export function compactSpace(
  db: Database,
  stmt: (sql: string) => Statement,
  s: SpaceRow,
  chunkSize: number,
  ratio: number,
): number {
  const t = s.table;
  const fills = stmt(`SELECT r.chunk_id AS block, count(*) AS n FROM "${t}_rowids" r GROUP BY r.chunk_id ORDER BY n, r.chunk_id`).all() as {
    block: number;
    n: number;
  }[];
  const { newest } = stmt(`SELECT max(chunk_id) AS newest FROM "${t}_chunks"`).get() as { newest: number | null };
  const { live, allocated } = storageOf(stmt, t, chunkSize);
  const target = live * ratio;
  const ids = stmt(`SELECT rowid FROM "${t}_rowids" WHERE chunk_id = ?`).pluck();
  const read = stmt(`SELECT embedding${s.bits ? ', bits' : ''} FROM "${t}" WHERE chunk_id = ?`).raw();
  const del = stmt(`DELETE FROM "${t}" WHERE chunk_id = ?`);
  const ins = stmt(`INSERT INTO "${t}" (chunk_id, embedding${s.bits ? ', bits' : ''}) VALUES (?, ?${s.bits ? ', vec_bit(?)' : ''})`);
  const newestFill = fills.find((f) => f.block === newest)?.n ?? chunkSize;
  let moved = 0;
  let freed = 0;
  // Slots allocated once `moved` rows sit in the newest block (and blocks appended after it).
  const allocatedNow = () => allocated - freed * chunkSize + Math.ceil(Math.max(0, moved - (chunkSize - newestFill)) / chunkSize) * chunkSize;
  db.transaction(() => {
    for (const f of fills) {
      if (allocatedNow() <= target + chunkSize) break;
      if (f.block === newest || f.n >= chunkSize) continue;
      for (const id of ids.all(f.block) as (number | bigint)[]) {
        const row = read.get(BigInt(id)) as Buffer[] | undefined;
        if (!row) continue;
        del.run(BigInt(id));
        ins.run(BigInt(id), ...row);
        moved++;
      }
      freed++;
    }
    if (moved) stmt('UPDATE vector_spaces SET version = version + 1, compacted_at = ? WHERE id = ?').run(Date.now(), s.id);
  })();
  return moved;
}
