import type { Database, Statement } from 'better-sqlite3';
import { type SyncStatus, SYNC_STATUSES } from '../../types';
import type { DocumentCounts, DocumentStore, FileState, IndexedFile, IndexWrite, StoredDocument } from '../documents';
import { errorMessage } from '../../errors';
import { IndexStore } from './indexWrites';
import { Turns } from '../../turns';
import { type OffThreadWriter, WriterFailed } from './writer';

/** SQLite and file-system errors that may clear by themselves: full disk, busy or locked database, I/O. */
const TRANSIENT = /^(SQLITE_(FULL|BUSY|LOCKED|IOERR|CANTOPEN|PROTOCOL)|ENOSPC|EIO|EBUSY|EAGAIN|EMFILE|ENFILE|EDQUOT)/;
function transientCode(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && TRANSIENT.test(code);
}

/** The document index over Lore's SQLite file (document_index, chunks, lore_meta). */
export class SqliteDocumentStore implements DocumentStore {
  private readonly stmts = new Map<string, Statement>();
  private readonly writes: IndexStore;
  private countsCache: { version: string; counts: DocumentCounts } | undefined;

  constructor(
    private readonly db: Database,
    private writer?: OffThreadWriter,
    private readonly warn?: (message: string) => void,
  ) {
    this.writes = new IndexStore(db);
  }

  async meta(key: string): Promise<string | undefined> {
    return this.stmt('meta', 'SELECT value FROM lore_meta WHERE key = ?').pluck().get(key) as string | undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.stmt('setMeta', 'INSERT INTO lore_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async hasDocuments(): Promise<boolean> {
    return this.stmt('has', 'SELECT EXISTS (SELECT 1 FROM document_index)').pluck().get() === 1;
  }

  /**
   * Asked for every few hundred milliseconds while a run goes on: each count reads an index
   * (schema 10), and the answer is kept until any connection commits a change (SQLite's
   * data_version moves with other connections' commits: the writer process, the CLI;
   * total_changes() with this one's).
   */
  async counts(): Promise<DocumentCounts> {
    // What the writer process committed is counted once its run has heard so (a search's "N of M
    // indexed" sets these counts beside the run's progress).
    await this.writer?.settled();
    const version = `${this.db.pragma('data_version', { simple: true })}:${this.stmt('changes', 'SELECT total_changes()').pluck().get()}`;
    if (this.countsCache?.version === version) return structuredClone(this.countsCache.counts);
    const byStatus = Object.fromEntries(SYNC_STATUSES.map((s) => [s, 0])) as Record<SyncStatus, number>;
    for (const r of this.stmt('byStatus', 'SELECT sync_status AS s, count(*) AS n FROM document_index GROUP BY sync_status').all() as { s: SyncStatus; n: number }[]) {
      byStatus[r.s] = r.n;
    }
    const one = (key: string, sql: string) => this.stmt(key, sql).pluck().get() as number | null;
    const counts: DocumentCounts = {
      byStatus,
      chunks: one('chunks', 'SELECT count(*) FROM chunks') ?? 0,
      empty: one('empty', "SELECT count(*) FROM document_index WHERE sync_status != 'failed' AND chunk_count = 0") ?? 0,
      withWarnings: one('warnings', "SELECT count(*) FROM document_index WHERE sync_status != 'failed' AND error IS NOT NULL") ?? 0,
      lastSyncedAt: one('lastSynced', 'SELECT max(last_synced_at) FROM document_index'),
    };
    this.countsCache = { version, counts };
    return structuredClone(counts);
  }

  async files(status: SyncStatus | undefined, limit: number): Promise<FileState[]> {
    const columns = 'SELECT file_path AS path, sync_status AS status, error, title, size, chunk_count AS chunkCount, updated_at AS updatedAt, retry FROM document_index';
    const rows = (status
      ? this.stmt('filesBy', `${columns} WHERE sync_status = ? ORDER BY file_path LIMIT ?`).all(status, limit)
      : this.stmt('files', `${columns} ORDER BY file_path LIMIT ?`).all(limit)) as (Omit<FileState, 'retry'> & { retry: number })[];
    return rows.map(({ retry, ...r }) => (retry ? { ...r, retry: true } : r));
  }

  /** Read in pages, with turns between them: 39,000 rows at once were half a second of the editor's thread. */
  async indexedFiles(): Promise<IndexedFile[]> {
    const out: IndexedFile[] = [];
    const turns = new Turns();
    for (;;) {
      if (turns.due()) await turns.take();
      const page = this.writes.page(out.length ? out[out.length - 1].id : 0, 1024);
      for (const r of page) out.push(r);
      if (page.length < 1024) return out;
    }
  }

  /**
   * One transaction (joining none: each batch is its own commit). Large batches are written by the
   * off-thread writer when there is one; should its thread fail, this one writes instead.
   */
  async apply(writes: IndexWrite[], now = Date.now()): Promise<void> {
    if (!writes.length) return;
    // A document weighs its chunks: fifteen long documents are hundreds of rows.
    if (this.writer?.wants(writes.reduce((n, w) => n + (w.kind === 'document' ? w.doc.chunks.length : 1), 0))) {
      try {
        return await this.writer.apply(writes, now);
      } catch (err) {
        if (!(err instanceof WriterFailed)) throw err;
        this.writer = undefined;
        this.warn?.(`${errorMessage(err)}; the index is written on the main thread from now on`);
      }
    }
    this.writes.applyAll(writes, now);
  }

  /** Ends the off-thread writer once its writes are committed. */
  async closeWriter(): Promise<void> {
    await this.writer?.close();
  }

  isTransient(err: unknown): boolean {
    return transientCode(err);
  }

  async markStale(paths: string[]): Promise<number> {
    return this.writes.markStale(paths);
  }

  async read(path: string, fromLine: number, toLine: number): Promise<StoredDocument | undefined> {
    const doc = this.stmt('doc', `SELECT id, file_path AS path, title, document_type AS documentType, size, mtime FROM document_index
        WHERE file_path = ? AND sync_status != 'failed'`).get(path) as (Omit<StoredDocument, 'lineCount' | 'chunks'> & { id: number }) | undefined;
    if (!doc) return undefined;
    const lineCount = (this.stmt('lines', 'SELECT max(end_line) AS n FROM chunks WHERE document_id = ?').get(doc.id) as { n: number | null }).n ?? 0;
    const from = Math.min(fromLine, Math.max(lineCount, 1));
    const chunks = this.stmt('range', `SELECT start_line AS startLine, end_line AS endLine, text, id, heading_path AS headingPath FROM chunks
        WHERE document_id = ? AND end_line >= ? AND start_line <= ? ORDER BY start_line`)
      .all(doc.id, from, Math.min(toLine, Number.MAX_SAFE_INTEGER)) as StoredDocument['chunks'];
    const { id: _id, ...rest } = doc;
    return { ...rest, lineCount, chunks };
  }

  async dropAll(): Promise<void> {
    this.stmt('drop', 'DELETE FROM document_index').run();
  }

  private stmt(key: string, sql: string): Statement {
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(sql)));
    return s;
  }
}
