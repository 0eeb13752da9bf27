import type { Database, Statement } from 'better-sqlite3';
import type { TodoChunk, TodoDoc } from '../vectors';

/**
 * The embedding queue lives in document_index itself: a document needs vectors of `model` when it
 * is pending (text written, not embedded) or synced by another model (a model switch in progress).
 * Nothing else is kept, so a restart resumes exactly where it stopped.
 */
export class EmbedDocs {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    const todo = `(sync_status = 'pending' OR (sync_status = 'synced' AND embedding_model IS NOT @model))`;
    this.s = {
      todo: db.prepare(`SELECT id, content_hash AS hash, chunk_count AS chunkCount, embedding_model AS embeddingModel, sync_status AS status
        FROM document_index WHERE ${todo} ORDER BY sync_status, updated_at, id LIMIT @limit`),
      remaining: db.prepare(`SELECT count(*) FROM document_index WHERE ${todo}`).pluck(),
      covered: db.prepare(`SELECT count(*) FROM document_index WHERE sync_status = 'synced' AND embedding_model = ?`).pluck(),
      embeddable: db.prepare(`SELECT count(*) FROM document_index WHERE sync_status IN ('pending', 'synced')`).pluck(),
      chunks: db.prepare(`SELECT id, document_id AS docId, text, content_hash AS hash FROM chunks
        WHERE document_id IN (SELECT value FROM json_each(?)) ORDER BY document_id, ordinal`),
      synced: db.prepare(`UPDATE document_index SET sync_status = 'synced', embedding_model = @model, last_synced_at = @now
        WHERE id = @id AND content_hash = @hash AND sync_status IN ('pending', 'synced')`),
      failed: db.prepare(`UPDATE document_index SET sync_status = 'failed', error = @reason, updated_at = @now
        WHERE id = @id AND content_hash = @hash AND sync_status IN ('pending', 'synced')`),
      keywordOnly: db.prepare(`UPDATE document_index SET sync_status = 'synced' WHERE sync_status = 'pending'`),
    };
  }

  todo(model: string, limit: number, claimed: ReadonlySet<number>): TodoDoc[] {
    return (this.s.todo.all({ model, limit: limit + claimed.size }) as TodoDoc[]).filter((d) => !claimed.has(d.id)).slice(0, limit);
  }

  remaining(model: string): number {
    return this.s.remaining.get({ model }) as number;
  }

  /** Documents whose vectors of `model` are all stored, out of all that can have vectors. */
  coverage(model: string): { done: number; total: number } {
    return { done: this.s.covered.get(model) as number, total: this.s.embeddable.get() as number };
  }

  chunks(docIds: number[]): TodoChunk[] {
    return this.s.chunks.all(JSON.stringify(docIds)) as TodoChunk[];
  }

  /** Marks documents embedded by `model`, unless their text changed meanwhile (then they stay pending). */
  markSynced(model: string, docs: { id: number; hash: string }[], now = Date.now()): number {
    let n = 0;
    this.db.transaction(() => {
      for (const d of docs) n += this.s.synced.run({ model, id: d.id, hash: d.hash, now }).changes;
    })();
    return n;
  }

  markFailed(doc: { id: number; hash: string }, reason: string, now = Date.now()): void {
    this.s.failed.run({ id: doc.id, hash: doc.hash, reason, now });
  }

  /** Keyword only from now on: nothing is waiting for vectors any more. */
  settlePendingWithoutVectors(): number {
    return this.s.keywordOnly.run().changes;
  }
}
