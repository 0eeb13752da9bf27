import type { Database, Statement } from 'better-sqlite3';
import { normalised, toFloat32 } from '../../search/vecMath';

/**
 * The embedding cache: (model, chunk content hash) -> normalised vector. Independent of chunks,
 * so it survives document deletion, renames, re-chunking and rebuilds of the index; needs no
 * sqlite-vec (a plain WITHOUT ROWID table).
 */
export class EmbeddingCache {
  private readonly getStmt: Statement;
  private readonly putStmt: Statement;
  private readonly pruneStmt: Statement;

  constructor(private readonly db: Database) {
    this.getStmt = db.prepare(`SELECT content_hash AS hash, dims, vector FROM embedding_cache
        WHERE model = ? AND content_hash IN (SELECT value FROM json_each(?))`);
    this.putStmt = db.prepare(`INSERT INTO embedding_cache (model, content_hash, dims, vector, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (model, content_hash) DO UPDATE SET dims = excluded.dims, vector = excluded.vector, created_at = excluded.created_at`);
    this.pruneStmt = db.prepare(`DELETE FROM embedding_cache WHERE (@model IS NULL OR model = @model)
        AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.content_hash = embedding_cache.content_hash)`);
  }

  /** Entries found (hash -> vector); entries of other dimensions than `dims` (when given) are ignored. */
  get(model: string, contentHashes: string[], dims?: number): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    if (!contentHashes.length) return out;
    const rows = this.getStmt.all(model, JSON.stringify(contentHashes)) as { hash: string; dims: number; vector: Buffer }[];
    for (const r of rows) {
      if (dims !== undefined && r.dims !== dims) continue;
      out.set(r.hash, toFloat32(r.vector, r.dims));
    }
    return out;
  }

  put(model: string, entries: { contentHash: string; vector: Float32Array }[]): void {
    const now = Date.now();
    this.db.transaction(() => {
      for (const e of entries) {
        const v = normalised(e.vector, e.vector.length, `cache entry ${e.contentHash}`, model);
        this.putStmt.run(model, e.contentHash, v.length, Buffer.from(v.buffer, v.byteOffset, v.byteLength), now);
      }
    })();
  }

  /** Forgets entries no chunk uses any more (all models, or one). Returns how many went. */
  prune(model?: string): number {
    return this.pruneStmt.run({ model: model ?? null }).changes;
  }
}
