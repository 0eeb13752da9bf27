/**
 * The embedding queue of one project on PostgreSQL, kept in document_index as on SQLite
 * (storage/sqlite/embedQueue.ts): a document needs vectors of a model when it is pending or synced
 * by another model. Several clients of a team work the same queue: a commit writes a chunk's
 * vector only while the chunk still has the text it was embedded from, and marks a document only
 * while its content hash is the one handed out, so a document changed by another client meanwhile
 * is neither marked nor given its old text's vectors.
 */
import type { ChunkVector, EmbeddingQueue, TodoChunk, TodoDoc } from '../vectors';
import type { PgDatabase } from './connect';
import { PgVectorIndex, vectorLiteral } from './vectors';

const TODO = `(sync_status = 'pending' OR (sync_status = 'synced' AND embedding_model IS DISTINCT FROM $2))`;

export class PgEmbeddingQueue implements EmbeddingQueue {
  constructor(
    private readonly db: PgDatabase,
    private readonly projectId: number,
    private readonly vectors: PgVectorIndex,
  ) {}

  async todo(model: string, limit: number, claimed: ReadonlySet<number>): Promise<TodoDoc[]> {
    const r = await this.db.query<{ id: string; hash: string; chunkCount: number; embeddingModel: string | null; status: TodoDoc['status'] }>(
      `SELECT id, content_hash AS hash, chunk_count AS "chunkCount", embedding_model AS "embeddingModel", sync_status AS status
       FROM document_index WHERE project_id = $1 AND ${TODO} AND NOT (id = ANY($4::bigint[]))
       ORDER BY sync_status, updated_at, id LIMIT $3`, [this.projectId, model, limit, [...claimed]]);
    return r.rows.map((d) => ({ ...d, id: Number(d.id) }));
  }

  async remaining(model: string): Promise<number> {
    const r = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM document_index WHERE project_id = $1 AND ${TODO}`, [this.projectId, model]);
    return Number(r.rows[0].n);
  }

  async coverage(model: string): Promise<{ done: number; total: number }> {
    const r = await this.db.query<{ done: string; total: string }>(`SELECT
        count(*) FILTER (WHERE sync_status = 'synced' AND embedding_model = $2) AS done,
        count(*) FILTER (WHERE sync_status IN ('pending', 'synced')) AS total
      FROM document_index WHERE project_id = $1`, [this.projectId, model]);
    return { done: Number(r.rows[0].done), total: Number(r.rows[0].total) };
  }

  async chunks(docIds: number[]): Promise<TodoChunk[]> {
    if (!docIds.length) return [];
    const r = await this.db.query<{ id: string; docId: string; text: string; hash: string }>(
      `SELECT c.id, c.document_id AS "docId", c.text, c.content_hash AS hash FROM chunks c JOIN document_index d ON d.id = c.document_id
       WHERE d.project_id = $1 AND c.document_id = ANY($2::bigint[]) ORDER BY c.document_id, c.ordinal`, [this.projectId, docIds]);
    return r.rows.map((c) => ({ ...c, id: Number(c.id), docId: Number(c.docId) }));
  }

  async commit(model: string, vectors: ChunkVector[], docs: { id: number; hash: string }[]): Promise<void> {
    const space = vectors.length ? await this.vectors.spaceId(model, vectors[0].vector.length) : undefined;
    await this.db.transaction(async (c) => {
      if (space !== undefined) {
        // Only chunks that still hold the text the vector was made from (and still exist).
        await c.query(`INSERT INTO ${PgVectorIndex.table(space)} (chunk_id, embedding)
          SELECT c.id, e.v::vector FROM unnest($1::bigint[], $2::text[], $3::text[]) AS e(id, h, v) JOIN chunks c ON c.id = e.id AND c.content_hash = e.h
          ON CONFLICT (chunk_id) DO UPDATE SET embedding = EXCLUDED.embedding`,
        [vectors.map((v) => v.chunkId), vectors.map((v) => v.contentHash), vectors.map((v) => vectorLiteral(v.vector))]);
      }
      if (docs.length) {
        await c.query(`UPDATE document_index d SET sync_status = 'synced', embedding_model = $2, last_synced_at = $3
          FROM unnest($4::bigint[], $5::text[]) AS e(id, h)
          WHERE d.project_id = $1 AND d.id = e.id AND d.content_hash = e.h AND d.sync_status IN ('pending', 'synced')`,
        [this.projectId, model, Date.now(), docs.map((d) => d.id), docs.map((d) => d.hash)]);
      }
    });
  }

  async markFailed(doc: { id: number; hash: string }, reason: string): Promise<void> {
    await this.db.query(`UPDATE document_index SET sync_status = 'failed', error = $4, updated_at = $5
      WHERE project_id = $1 AND id = $2 AND content_hash = $3 AND sync_status IN ('pending', 'synced')`, [this.projectId, doc.id, doc.hash, reason, Date.now()]);
  }

  async settlePendingWithoutVectors(): Promise<number> {
    const r = await this.db.query(`UPDATE document_index SET sync_status = 'synced' WHERE project_id = $1 AND sync_status = 'pending'`, [this.projectId]);
    return r.rowCount ?? 0;
  }
}
