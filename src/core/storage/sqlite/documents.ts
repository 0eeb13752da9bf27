import type { Database, Statement } from 'better-sqlite3';
import { type SyncStatus, SYNC_STATUSES } from '../../types';
import type { DocumentCatalog, DocumentCounts, FileState } from '../documents';

/** The document catalog over Lore's SQLite index (document_index, chunks, lore_meta). */
export class SqliteDocumentCatalog implements DocumentCatalog {
  private readonly stmts = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  meta(key: string): string | undefined {
    return this.stmt('meta', 'SELECT value FROM lore_meta WHERE key = ?').pluck().get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.stmt('setMeta', 'INSERT INTO lore_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  hasDocuments(): boolean {
    return this.stmt('has', 'SELECT EXISTS (SELECT 1 FROM document_index)').pluck().get() === 1;
  }

  counts(): DocumentCounts {
    const byStatus = Object.fromEntries(SYNC_STATUSES.map((s) => [s, 0])) as Record<SyncStatus, number>;
    for (const r of this.stmt('byStatus', 'SELECT sync_status AS s, count(*) AS n FROM document_index GROUP BY sync_status').all() as { s: SyncStatus; n: number }[]) {
      byStatus[r.s] = r.n;
    }
    const one = (key: string, sql: string) => (this.stmt(key, sql).get() as { n: number | null }).n;
    return {
      byStatus,
      chunks: one('chunks', 'SELECT count(*) AS n FROM chunks') ?? 0,
      empty: one('empty', "SELECT count(*) AS n FROM document_index WHERE sync_status != 'failed' AND chunk_count = 0") ?? 0,
      withWarnings: one('warnings', "SELECT count(*) AS n FROM document_index WHERE sync_status != 'failed' AND error IS NOT NULL") ?? 0,
      lastSyncedAt: one('lastSynced', 'SELECT max(last_synced_at) AS n FROM document_index'),
    };
  }

  files(status: SyncStatus | undefined, limit: number): FileState[] {
    const columns = 'SELECT file_path AS path, sync_status AS status, error, title, size, chunk_count AS chunkCount, updated_at AS updatedAt FROM document_index';
    return (status
      ? this.stmt('filesBy', `${columns} WHERE sync_status = ? ORDER BY file_path LIMIT ?`).all(status, limit)
      : this.stmt('files', `${columns} ORDER BY file_path LIMIT ?`).all(limit)) as FileState[];
  }

  dropAll(): void {
    this.stmt('drop', 'DELETE FROM document_index').run();
  }

  private stmt(key: string, sql: string): Statement {
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(sql)));
    return s;
  }
}
