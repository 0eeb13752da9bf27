/**
 * The document index of one project in a shared PostgreSQL database (document_index, chunks,
 * lore_project_meta), with the same behaviour as the SQLite store (storage/sqlite/documents.ts,
 * indexWrites.ts): a batch of writes is one transaction, a document and its chunks change together.
 * A document's links and the keys it is reached by (links, link_keys: schema/postgres/004_links.sql)
 * are written in the same transaction, as sqlite/linkWrites.ts writes them.
 */
import { tokensSql, WRITE_TERMS_SQL } from './bm25';
import type pg from 'pg';
import { documentKeys, linkKeys } from '../../links/resolve';
import { inferDocumentType, titleFromPath } from '../../markdown/docInfo';
import { type ParsedDocument, type ParsedLink, type SyncStatus, SYNC_STATUSES } from '../../types';
import { type DocumentCounts, type DocumentStore, type FileStamp, type FileState, type IndexedFile, type IndexWrite, renamedTitleType, type StoredDocument } from '../documents';
import { isRetryable, type PgDatabase } from './connect';

type Q = Pick<pg.PoolClient, 'query'>;

const SELECT_FILE = `SELECT id, file_path AS path, size, mtime, content_hash AS hash, sync_status AS status,
  title_source AS "titleSource", type_source AS "typeSource", retry FROM document_index`;

interface FileRow { id: string; path: string; size: string; mtime: string; hash: string; status: SyncStatus; titleSource: IndexedFile['titleSource']; typeSource: IndexedFile['typeSource']; retry: boolean }
const asFile = (r: FileRow): IndexedFile => ({ ...r, id: Number(r.id), size: Number(r.size), mtime: Number(r.mtime) });

/** Errors that may clear by themselves: the server busy, gone or out of space, a serialization failure. */
const TRANSIENT_CODES = new Set(['53100', '53200', '53300', '57014', '55P03']);

export class PgDocumentStore implements DocumentStore {
  /** Counts this client's writes (begun): what was read before one is read again after it (the link index's counts). */
  writes = 0;
  constructor(
    private readonly db: PgDatabase,
    private readonly projectId: number,
  ) {}

  async meta(key: string): Promise<string | undefined> {
    const r = await this.db.query<{ value: string }>('SELECT value FROM lore_project_meta WHERE project_id = $1 AND key = $2', [this.projectId, key]);
    return r.rows[0]?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db.query(`INSERT INTO lore_project_meta (project_id, key, value) VALUES ($1, $2, $3)
      ON CONFLICT (project_id, key) DO UPDATE SET value = EXCLUDED.value`, [this.projectId, key, value]);
  }

  async hasDocuments(): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM document_index WHERE project_id = $1 LIMIT 1', [this.projectId]);
    return (r.rowCount ?? 0) > 0;
  }

  async counts(): Promise<DocumentCounts> {
    const p = [this.projectId];
    const byStatus = Object.fromEntries(SYNC_STATUSES.map((s) => [s, 0])) as Record<SyncStatus, number>;
    const rows = await this.db.query<{ s: SyncStatus; n: string; empty: string; warned: string; synced: string | null }>(
      `SELECT sync_status AS s, count(*) AS n,
          count(*) FILTER (WHERE sync_status != 'failed' AND chunk_count = 0) AS empty,
          count(*) FILTER (WHERE sync_status != 'failed' AND error IS NOT NULL) AS warned,
          max(last_synced_at) AS synced
        FROM document_index WHERE project_id = $1 GROUP BY sync_status`, p);
    let empty = 0;
    let withWarnings = 0;
    let lastSyncedAt: number | null = null;
    for (const r of rows.rows) {
      byStatus[r.s] = Number(r.n);
      empty += Number(r.empty);
      withWarnings += Number(r.warned);
      if (r.synced !== null) lastSyncedAt = Math.max(lastSyncedAt ?? 0, Number(r.synced));
    }
    const chunks = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM chunks c JOIN document_index d ON d.id = c.document_id WHERE d.project_id = $1', p);
    return { byStatus, chunks: Number(chunks.rows[0].n), empty, withWarnings, lastSyncedAt };
  }

  async files(status: SyncStatus | undefined, limit: number): Promise<FileState[]> {
    const columns = 'SELECT file_path AS path, sync_status AS status, error, title, size, chunk_count AS "chunkCount", updated_at AS "updatedAt", retry FROM document_index';
    const r = status
      ? await this.db.query(`${columns} WHERE project_id = $1 AND sync_status = $2 ORDER BY file_path COLLATE "C" LIMIT $3`, [this.projectId, status, limit])
      : await this.db.query(`${columns} WHERE project_id = $1 ORDER BY file_path COLLATE "C" LIMIT $2`, [this.projectId, limit]);
    return r.rows.map(({ retry, size, updatedAt, ...row }) => ({ ...row, size: Number(size), updatedAt: Number(updatedAt), ...(retry ? { retry: true as const } : {}) }) as FileState);
  }

  async indexedFiles(): Promise<IndexedFile[]> {
    const r = await this.db.query<FileRow>(`${SELECT_FILE} WHERE project_id = $1 ORDER BY id`, [this.projectId]);
    return r.rows.map(asFile);
  }

  async apply(writes: IndexWrite[], now = Date.now()): Promise<void> {
    if (!writes.length) return;
    this.writes++;
    await this.db.transaction(async (c) => {
      for (const op of writes) {
        switch (op.kind) {
          case 'document':
            await this.writeDocument(c, op.path, op.stamp, op.doc, op.status, now);
            break;
          case 'failure':
            await this.writeFailure(c, op.path, op.stamp, op.reason, op.retry ?? false, now);
            break;
          case 'touch':
            await c.query('UPDATE document_index SET size = $1, mtime = $2, updated_at = $3 WHERE id = $4', [op.stamp.size, op.stamp.mtime, now, op.file.id]);
            if (op.file.status === 'stale') await this.restatus(c, op.file.id, op.status, now);
            break;
          case 'rename':
            await this.rename(c, op.file, op.path, op.stamp, op.status, now);
            break;
          case 'delete':
            await c.query('DELETE FROM document_index WHERE id = $1 AND project_id = $2', [op.file.id, this.projectId]);
            break;
        }
      }
    });
  }

  private async writeDocument(c: Q, path: string, stamp: FileStamp, doc: ParsedDocument, status: SyncStatus, now: number): Promise<void> {
    const r = await c.query<{ id: string }>(`INSERT INTO document_index
        (project_id, file_path, title, title_source, document_type, type_source, content_hash, size, mtime, chunk_count,
         metadata, last_synced_at, sync_status, error, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $12, $12)
      ON CONFLICT (project_id, file_path) DO UPDATE SET title = EXCLUDED.title, title_source = EXCLUDED.title_source,
        document_type = EXCLUDED.document_type, type_source = EXCLUDED.type_source, content_hash = EXCLUDED.content_hash,
        size = EXCLUDED.size, mtime = EXCLUDED.mtime, chunk_count = EXCLUDED.chunk_count, metadata = EXCLUDED.metadata,
        embedding_model = NULL, last_synced_at = EXCLUDED.last_synced_at, sync_status = EXCLUDED.sync_status,
        error = EXCLUDED.error, updated_at = EXCLUDED.updated_at, retry = false, tokens = 0
      RETURNING id`, [
      this.projectId, path, doc.title, doc.titleSource, doc.documentType, doc.typeSource, stamp.hash, stamp.size, stamp.mtime, doc.chunks.length,
      JSON.stringify(doc.metadata), now, status, doc.warnings.length ? `warning: ${doc.warnings.join('; ')}` : null,
    ]);
    const id = r.rows[0].id;
    await this.writeLinks(c, id, path, doc.links ?? []);
    await c.query('DELETE FROM chunks WHERE document_id = $1', [id]);
    if (!doc.chunks.length) return;
    // One statement for the document's chunks (unnest of arrays), not one round trip per chunk.
    await c.query(`INSERT INTO chunks (document_id, ordinal, heading_path, start_line, end_line, text, content_hash, title, tokens)
      SELECT $1, u.*, $8, ${tokensSql('$8', 'u.h', 'u.t')} FROM unnest($2::int[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[]) AS u(o, h, s, e, t, x)`, [
      id, doc.chunks.map((x) => x.ordinal), doc.chunks.map((x) => x.headingPath), doc.chunks.map((x) => x.startLine),
      doc.chunks.map((x) => x.endLine), doc.chunks.map((x) => x.text), doc.chunks.map((x) => x.contentHash), doc.title,
    ]);
    await this.writeTerms(c, id);
  }

  /** The BM25 terms and lengths of a document's chunks (bm25.ts), from what its chunks hold now. */
  private async writeTerms(c: Q, documentId: number | string): Promise<void> {
    await c.query(WRITE_TERMS_SQL, [this.projectId, documentId]);
    await c.query('UPDATE document_index SET tokens = coalesce((SELECT sum(tokens) FROM chunks WHERE document_id = $1), 0) WHERE id = $1', [documentId]);
  }

  private async writeFailure(c: Q, path: string, stamp: FileStamp, reason: string, retry: boolean, now: number): Promise<void> {
    const r = await c.query<{ id: string }>(`INSERT INTO document_index
        (project_id, file_path, title, document_type, content_hash, size, mtime, chunk_count, last_synced_at, sync_status, error, created_at, updated_at, retry)
      VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, 'failed', $9, $8, $8, $10)
      ON CONFLICT (project_id, file_path) DO UPDATE SET content_hash = EXCLUDED.content_hash, size = EXCLUDED.size,
        mtime = EXCLUDED.mtime, chunk_count = 0, last_synced_at = EXCLUDED.last_synced_at, embedding_model = NULL,
        sync_status = 'failed', error = EXCLUDED.error, updated_at = EXCLUDED.updated_at, retry = EXCLUDED.retry, tokens = 0
      RETURNING id`, [this.projectId, path, titleFromPath(path), inferDocumentType(path), stamp.hash, stamp.size, stamp.mtime, now, reason, retry]);
    await c.query('DELETE FROM chunks WHERE document_id = $1', [r.rows[0].id]);
    // Its links go with its text; links to it still reach it (the file is there).
    await this.writeLinks(c, r.rows[0].id, path, []);
  }

  /** The keys the document at `path` is reached by (links/resolve.ts documentKeys), in place of its old ones. */
  private async writeKeys(c: Q, documentId: number | string, path: string): Promise<void> {
    await c.query('DELETE FROM link_keys WHERE document_id = $1', [documentId]);
    await c.query(`INSERT INTO link_keys (project_id, key, document_id) SELECT $1, k, $2 FROM unnest($3::text[]) AS k
      ON CONFLICT DO NOTHING`, [this.projectId, documentId, documentKeys(path)]);
  }

  /** A document's keys and its links (each with the key of what it points at), in place of the old ones. */
  private async writeLinks(c: Q, documentId: number | string, path: string, links: readonly ParsedLink[]): Promise<void> {
    await this.writeKeys(c, documentId, path);
    await c.query('DELETE FROM links WHERE document_id = $1', [documentId]);
    if (!links.length) return;
    // One statement for all of them (unnest of arrays), as for the chunks.
    const keys = links.map((l) => linkKeys(path, l));
    await c.query(`INSERT INTO links (document_id, project_id, ordinal, line, kind, target, fragment, text, context, target_key, alt_key)
      SELECT $1, $2, u.* FROM unnest($3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
        AS u(o, l, k, t, f, x, c, key, alt)`, [
      documentId, this.projectId, links.map((_, i) => i), links.map((l) => l.line), links.map((l) => l.kind), links.map((l) => l.target),
      links.map((l) => l.fragment), links.map((l) => l.text), links.map((l) => l.context), keys.map((k) => k.key), keys.map((k) => k.alt ?? null),
    ]);
  }

  /** The document moved: it is reached by its new path's keys, and its relative links are resolved from its new folder. */
  private async moveLinks(c: Q, documentId: number, newPath: string): Promise<void> {
    await this.writeKeys(c, documentId, newPath);
    const old = await c.query<{ ordinal: number; kind: ParsedLink['kind']; target: string; key: string; alt: string | null }>(
      'SELECT ordinal, kind, target, target_key AS key, alt_key AS alt FROM links WHERE document_id = $1', [documentId]);
    const changed = old.rows.map((l) => ({ ordinal: l.ordinal, ...linkKeys(newPath, l), was: l })).filter((l) => l.key !== l.was.key || (l.alt ?? null) !== l.was.alt);
    if (!changed.length) return;
    await c.query(`UPDATE links SET target_key = u.key, alt_key = u.alt FROM unnest($2::int[], $3::text[], $4::text[]) AS u(o, key, alt)
      WHERE document_id = $1 AND ordinal = u.o`, [documentId, changed.map((l) => l.ordinal), changed.map((l) => l.key), changed.map((l) => l.alt ?? null)]);
  }

  private async restatus(c: Q, id: number, status: SyncStatus, now: number): Promise<void> {
    await c.query('UPDATE document_index SET sync_status = $1, error = NULL, updated_at = $2 WHERE id = $3', [status, now, id]);
  }

  /** Same bytes, new path: chunks stay; a title or type that came from the old path is derived again (and the chunks' copy of the title with it). */
  private async rename(c: Q, file: IndexedFile, newPath: string, stamp: FileStamp, status: SyncStatus, now: number): Promise<void> {
    const cur = (await c.query<{ title: string; type: string }>('SELECT title, document_type AS type FROM document_index WHERE id = $1', [file.id])).rows[0];
    const { title, type } = renamedTitleType(file, newPath, cur);
    await c.query('UPDATE document_index SET file_path = $1, title = $2, document_type = $3, size = $4, mtime = $5, updated_at = $6 WHERE id = $7', [
      newPath, title, type, stamp.size, stamp.mtime, now, file.id,
    ]);
    await this.moveLinks(c, file.id, newPath);
    if (title !== cur.title) {
      await c.query(`UPDATE chunks SET title = $1, tokens = ${tokensSql('$1::text', 'heading_path', 'text')} WHERE document_id = $2`, [title, file.id]);
      await c.query('DELETE FROM lore_terms WHERE project_id = $1 AND document_id = $2', [this.projectId, file.id]);
      await this.writeTerms(c, file.id);
    }
    if (file.status === 'stale') await this.restatus(c, file.id, status, now);
  }

  isTransient(err: unknown): boolean {
    const code = (err as { code?: string })?.code;
    return isRetryable(err) || (!!code && TRANSIENT_CODES.has(code));
  }

  async markStale(paths: string[]): Promise<number> {
    if (!paths.length) return 0;
    const r = await this.db.query(`UPDATE document_index SET sync_status = 'stale', updated_at = $1
      WHERE project_id = $2 AND file_path = ANY($3::text[]) AND sync_status != 'stale'`, [Date.now(), this.projectId, paths]);
    return r.rowCount ?? 0;
  }

  async read(path: string, fromLine: number, toLine: number): Promise<StoredDocument | undefined> {
    const d = await this.db.query<{ id: string; path: string; title: string; documentType: string; size: string; mtime: string }>(
      `SELECT id, file_path AS path, title, document_type AS "documentType", size, mtime FROM document_index
        WHERE project_id = $1 AND file_path = $2 AND sync_status != 'failed'`, [this.projectId, path]);
    const doc = d.rows[0];
    if (!doc) return undefined;
    const lines = await this.db.query<{ n: number | null }>('SELECT max(end_line) AS n FROM chunks WHERE document_id = $1', [doc.id]);
    const lineCount = lines.rows[0].n ?? 0;
    const from = Math.min(fromLine, Math.max(lineCount, 1));
    const chunks = await this.db.query<StoredDocument['chunks'][number]>(`SELECT start_line AS "startLine", end_line AS "endLine", text, id::float8 AS id, heading_path AS "headingPath" FROM chunks
        WHERE document_id = $1 AND end_line >= $2 AND start_line <= $3 ORDER BY start_line`, [doc.id, from, Math.min(toLine, 2_147_483_647)]);
    return { path: doc.path, title: doc.title, documentType: doc.documentType, size: Number(doc.size), mtime: Number(doc.mtime), lineCount, chunks: chunks.rows };
  }

  async dropAll(): Promise<void> {
    this.writes++;
    await this.db.query('DELETE FROM document_index WHERE project_id = $1', [this.projectId]);
  }
}
