import type { Database, Statement } from 'better-sqlite3';
import type { ParsedDocument, SyncStatus } from '../../types';
import { type FileStamp, type IndexedFile, type IndexWrite, renamedTitleType } from '../documents';
import { inferDocumentType, titleFromPath } from '../../markdown/docInfo';
import { LinkWrites } from './linkWrites';

const SELECT_FILE = `SELECT id, file_path AS path, size, mtime, content_hash AS hash, sync_status AS status,
  title_source AS titleSource, type_source AS typeSource, retry = 1 AS retry FROM document_index`;

const asFile = (r: Omit<IndexedFile, 'retry'> & { retry: number }): IndexedFile => ({ ...r, retry: r.retry === 1 });

/**
 * Every write the indexer makes, each one a single transaction: a document and all its chunks
 * change together or not at all, so a run killed at any point leaves a consistent database.
 */
export class IndexStore {
  private readonly s: Record<string, Statement>;
  private readonly links: LinkWrites;

  constructor(readonly db: Database) {
    this.links = new LinkWrites(db);
    this.s = {
      page: db.prepare(`${SELECT_FILE} WHERE id > ? ORDER BY id LIMIT ?`),
      byPath: db.prepare(`${SELECT_FILE} WHERE file_path = ?`),
      upsertDoc: db.prepare(`INSERT INTO document_index
          (file_path, title, title_source, document_type, type_source, content_hash, size, mtime, chunk_count,
           metadata, last_synced_at, sync_status, error, created_at, updated_at)
        VALUES (@path, @title, @titleSource, @type, @typeSource, @hash, @size, @mtime, @chunkCount,
           @metadata, @now, @status, @error, @now, @now)
        ON CONFLICT (file_path) DO UPDATE SET title = excluded.title, title_source = excluded.title_source,
          document_type = excluded.document_type, type_source = excluded.type_source,
          content_hash = excluded.content_hash, size = excluded.size, mtime = excluded.mtime,
          chunk_count = excluded.chunk_count, metadata = excluded.metadata, embedding_model = NULL,
          last_synced_at = excluded.last_synced_at, sync_status = excluded.sync_status, error = excluded.error,
          updated_at = excluded.updated_at, retry = 0
        RETURNING id`),
      deleteChunks: db.prepare('DELETE FROM chunks WHERE document_id = ?'),
      insertChunk: db.prepare(`INSERT INTO chunks (document_id, ordinal, heading_path, start_line, end_line, text, content_hash)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      failDoc: db.prepare(`INSERT INTO document_index
          (file_path, title, document_type, content_hash, size, mtime, chunk_count, metadata, last_synced_at,
           sync_status, error, created_at, updated_at, retry)
        VALUES (@path, @title, @type, @hash, @size, @mtime, 0, '{}', @now, 'failed', @reason, @now, @now, @retry)
        ON CONFLICT (file_path) DO UPDATE SET content_hash = excluded.content_hash, size = excluded.size,
          mtime = excluded.mtime, chunk_count = 0, last_synced_at = excluded.last_synced_at, embedding_model = NULL,
          sync_status = 'failed', error = excluded.error, updated_at = excluded.updated_at, retry = excluded.retry
        RETURNING id`),
      touch: db.prepare('UPDATE document_index SET size = ?, mtime = ?, updated_at = ? WHERE id = ?'),
      restatus: db.prepare('UPDATE document_index SET sync_status = ?, error = NULL, updated_at = ? WHERE id = ?'),
      rename: db.prepare(`UPDATE document_index SET file_path = @path, title = @title, document_type = @type,
          size = @size, mtime = @mtime, updated_at = @now WHERE id = @id`),
      titleType: db.prepare('SELECT title, document_type AS type FROM document_index WHERE id = ?'),
      deleteDoc: db.prepare('DELETE FROM document_index WHERE id = ?'),
      markStale: db.prepare(`UPDATE document_index SET sync_status = 'stale', updated_at = ?
        WHERE file_path = ? AND sync_status != 'stale'`),
    };
  }

  /** The rows after id `after`, in id order, at most `limit` of them (a big index is read in pieces). */
  page(after: number, limit: number): IndexedFile[] {
    return (this.s.page.all(after, limit) as (Omit<IndexedFile, 'retry'> & { retry: number })[]).map(asFile);
  }

  get(path: string): IndexedFile | undefined {
    const row = this.s.byPath.get(path) as (Omit<IndexedFile, 'retry'> & { retry: number }) | undefined;
    return row && asFile(row);
  }

  /**
   * Runs several writes in one transaction (one commit); if any throws, none of them is written.
   * Each write below is such a transaction of its own, or joins the enclosing batch's instead of
   * nesting (no savepoint per document: FTS5 flushes its pending terms at every savepoint).
   */
  batch<T>(fn: () => T): T {
    // IMMEDIATE: the write lock is taken at BEGIN, so a connection that read first never finds at
    // its first write that another one (the off-thread writer, the CLI) committed meanwhile.
    return this.db.inTransaction ? fn() : this.db.transaction(fn).immediate();
  }

  /** Every write in one transaction (one commit): all of them or, if one throws, none. */
  applyAll(writes: IndexWrite[], now = Date.now()): void {
    this.batch(() => {
      for (const op of writes) {
        switch (op.kind) {
          case 'document':
            this.writeDocument(op.path, op.stamp, op.doc, op.status, now);
            break;
          case 'failure':
            this.writeFailure(op.path, op.stamp, op.reason, op.retry, now);
            break;
          case 'touch':
            this.touch(op.file, op.stamp, op.status, now);
            break;
          case 'rename':
            this.rename(op.file, op.path, op.stamp, op.status, now);
            break;
          case 'delete':
            this.delete(op.file);
            break;
        }
      }
    });
  }

  /** Replaces a document and all its chunks in one transaction (or as part of a batch). */
  writeDocument(path: string, stamp: FileStamp, doc: ParsedDocument, status: SyncStatus, now = Date.now()): number {
    return this.batch(() => {
      const { id } = this.s.upsertDoc.get({
        path, ...stamp, now, status,
        title: doc.title, titleSource: doc.titleSource, type: doc.documentType, typeSource: doc.typeSource,
        chunkCount: doc.chunks.length,
        metadata: JSON.stringify(doc.metadata),
        error: doc.warnings.length ? `warning: ${doc.warnings.join('; ')}` : null,
      }) as { id: number };
      this.s.deleteChunks.run(id);
      for (const c of doc.chunks) {
        this.s.insertChunk.run(id, c.ordinal, c.headingPath, c.startLine, c.endLine, c.text, c.contentHash);
      }
      this.links.write(id, path, doc.links ?? []);
      return id;
    });
  }

  /** Records a file that cannot be indexed, with the reason; its old chunks (if any) go. `retry`: the failure may clear by itself. */
  writeFailure(path: string, stamp: FileStamp, reason: string, retry = false, now = Date.now()): void {
    this.batch(() => {
      const { id } = this.s.failDoc.get({
        path, ...stamp, now, reason, retry: retry ? 1 : 0, title: titleFromPath(path), type: inferDocumentType(path),
      }) as { id: number };
      this.s.deleteChunks.run(id);
      // Its links go with its text; links to it still reach it (the file is there).
      this.links.write(id, path, []);
    });
  }

  /** The bytes did not change (only the timestamp did): keep everything, refresh size and mtime. */
  touch(file: IndexedFile, stamp: FileStamp, status: SyncStatus, now = Date.now()): void {
    this.batch(() => {
      this.s.touch.run(stamp.size, stamp.mtime, now, file.id);
      if (file.status === 'stale') this.s.restatus.run(status, now, file.id);
    });
  }

  /**
   * A file moved: same bytes, new path. Its chunks stay as they are (nothing is re-chunked or
   * re-embedded); a title or type that came from the old path is derived again from the new one.
   */
  rename(file: IndexedFile, newPath: string, stamp: FileStamp, status: SyncStatus, now = Date.now()): void {
    const cur = this.s.titleType.get(file.id) as { title: string; type: string };
    this.s.rename.run({ id: file.id, path: newPath, size: stamp.size, mtime: stamp.mtime, now, ...renamedTitleType(file, newPath, cur) });
    this.links.moved(file.id, newPath);
    if (file.status === 'stale') this.s.restatus.run(status, now, file.id);
  }

  delete(file: IndexedFile): void {
    this.s.deleteDoc.run(file.id); // chunks and their full-text entries follow by cascade and trigger
  }

  /** The file changed on disk after its row was written: flag it until it is indexed again. */
  markStale(paths: Iterable<string>, now = Date.now()): number {
    let n = 0;
    this.batch(() => {
      for (const p of paths) n += this.s.markStale.run(now, p).changes;
    });
    return n;
  }
}
