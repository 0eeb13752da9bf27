import type { Statement } from 'better-sqlite3';
import { cosineDistance, int8CosineDistance } from '../../search/vecMath';
import type { SpaceRow, VectorHit } from './vecTypes';

type Stmt = (sql: string) => Statement;

/** sqlite-vec's own ceiling on k in a KNN query. */
const KNN_MAX = 4096;
/** int8 distances are within ~1e-3 of the float ones: candidates this close to the k-th get a float re-check. */
const INT8_MARGIN = 4e-3;

/** The plain table holding a space's int8 rescoring copy (named by space id: compaction keeps it). */
export function rescoreTable(spaceId: number): string {
  return `vec_s${spaceId}_i8`;
}

/**
 * Ranks prefilter candidates: int8 cosine from a plain table first (~5 us a row, where a vec0 point
 * read costs 30-250 us), then exact float cosine from the vec0 table for the top k and any candidate
 * within the int8 error of the k-th, so the returned order and distances are exact.
 */
export function rescore(stmt: Stmt, s: SpaceRow, q: Float32Array, candidates: number[], k: number): VectorHit[] {
  const codes = stmt(`SELECT chunk_id, codes FROM "${rescoreTable(s.id)}" WHERE chunk_id IN (SELECT value FROM json_each(?))`).raw();
  const float = stmt(`SELECT embedding FROM "${s.table}" WHERE chunk_id = ?`).pluck();
  const exact = (id: number): VectorHit | undefined => {
    const blob = float.get(BigInt(id)) as Buffer | undefined;
    return blob ? { chunkId: id, distance: cosineDistance(q, blob, s.dims) } : undefined;
  };
  const rough: VectorHit[] = [];
  const seen = new Set<number>();
  // One statement for all candidates, in key order (cheaper than a call per row).
  for (const [id, c] of codes.all(JSON.stringify([...candidates].sort((a, b) => a - b))) as [number, Buffer][]) {
    seen.add(id);
    rough.push({ chunkId: id, distance: int8CosineDistance(q, c) });
  }
  for (const id of candidates) {
    if (seen.has(id)) continue;
    const h = exact(id); // no int8 copy (should not happen): read the float vector
    if (h) rough.push(h);
  }
  rough.sort(byDistance);
  const edge = rough.length > k ? rough[k - 1].distance + INT8_MARGIN : Infinity;
  const hits: VectorHit[] = [];
  for (const r of rough) {
    if (hits.length >= k && r.distance > edge) break;
    const h = exact(r.chunkId);
    if (h) hits.push(h);
    if (hits.length >= 2 * k + 10) break;
  }
  return hits.sort(byDistance).slice(0, k);
}

const byDistance = (a: VectorHit, b: VectorHit) => a.distance - b.distance || a.chunkId - b.chunkId;

/** sqlite-vec's float brute force (queried as `embedding MATCH ? AND k = ?`, filters by candidate set). */
export function exactSearch(stmt: Stmt, s: SpaceRow, q: Float32Array, k: number, allowed?: Set<number>, excluded?: Set<number>): VectorHit[] {
  const want = Math.min(KNN_MAX, k + (excluded?.size ?? 0));
  const blob = Buffer.from(q.buffer, q.byteOffset, q.byteLength);
  const rows = (
    allowed
      ? stmt(`SELECT chunk_id AS chunkId, distance FROM "${s.table}"
          WHERE embedding MATCH ? AND k = ? AND chunk_id IN (SELECT value FROM json_each(?))`).all(blob, want, JSON.stringify([...allowed]))
      : stmt(`SELECT chunk_id AS chunkId, distance FROM "${s.table}" WHERE embedding MATCH ? AND k = ?`).all(blob, want)
  ) as VectorHit[];
  return rows.filter((r) => !excluded?.has(r.chunkId)).slice(0, k);
}

