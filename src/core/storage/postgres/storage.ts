/**
 * The team index on PostgreSQL as one Storage: one project's documents, keyword index, vectors and
 * embedding queue in a shared database (schema/postgres/), the user's own session history and
 * memory in the local user-data file beside the workspace as with SQLite (personal, never shared,
 * never lost when the team index is rebuilt or unreachable).
 */
import path from 'node:path';
import { LoreError } from '../../errors';
import type { UserData } from '../userData';
import { mergeReports, type Recovery, type Storage, type StorageInfo, type ValidationReport } from '../storage';
import { openPg, type PgDatabase, type PgOptions, safeUrl } from './connect';
import { PgDocumentStore } from './documents';
import { PgEmbeddingQueue } from './embedQueue';
import { PgKeywordIndex } from './keyword';
import { PgLinkIndex } from './links';
import { loadPgMigrations, migratePg } from './migrate';
import { ensureProject } from './project';
import { PgVectorIndex } from './vectors';

export interface PgStorageOptions extends Omit<PgOptions, 'readonly'> {
  /** The project's name in the shared database (projectName(): the git remote, a configured name, or the folder). */
  project: string;
  /** The local user data (sessions, memory), opened by the backend factory; closed with this storage when `closeUserData`. */
  userData: UserData;
  closeUserData?: boolean;
  readonly?: boolean;
  warn?: (message: string) => void;
  /** An open pool the caller shares between storages and closes itself (tests on PGlite, which serves one connection). */
  database?: PgDatabase;
}

export interface PgHealth {
  reachable: boolean;
  latencyMs?: number;
  serverVersion?: string;
  pgvector?: string;
  error?: string;
}

export class PgStorage implements Storage {
  readonly recovered?: Recovery = undefined;
  readonly documents: PgDocumentStore;
  readonly keyword: PgKeywordIndex;
  readonly embeddingQueue: PgEmbeddingQueue;
  readonly links: PgLinkIndex;
  private closed = false;

  private constructor(
    readonly db: PgDatabase,
    readonly projectId: number,
    readonly project: string,
    readonly vectors: PgVectorIndex,
    private readonly userData: UserData,
    private readonly ownUserData: UserData | undefined,
    readonly readonly: boolean,
    private readonly ownDb: boolean,
  ) {
    this.documents = new PgDocumentStore(db, projectId);
    this.keyword = new PgKeywordIndex(db, projectId);
    this.embeddingQueue = new PgEmbeddingQueue(db, projectId, vectors);
    this.links = new PgLinkIndex(db, projectId, () => this.documents.writes);
  }

  static async open(opts: PgStorageOptions): Promise<PgStorage> {
    const db = opts.database ?? (await openPg({ ...opts, readonly: opts.readonly, log: opts.log ?? opts.warn }));
    try {
      if (opts.readonly) await requireSchema(db);
      else await migratePg(db);
      const projectId = opts.readonly ? await findProject(db, opts.project) : await ensureProject(db, opts.project);
      const vectors = await PgVectorIndex.open(db, projectId);
      return new PgStorage(db, projectId, opts.project, vectors, opts.userData, opts.closeUserData ? opts.userData : undefined, !!opts.readonly, !opts.database);
    } catch (err) {
      if (opts.closeUserData) opts.userData.close();
      if (!opts.database) await db.close();
      throw err;
    }
  }

  get location(): string {
    return `${safeUrl(this.db.url)}#${this.project}`;
  }

  get userDataLocation(): string {
    return this.userData.path;
  }

  get sessions() {
    return this.userData.sessions;
  }

  get memory() {
    return this.userData.memory;
  }

  /** Reachable or not, how long a round trip takes, the server's and pgvector's versions. */
  async health(): Promise<PgHealth> {
    return pgHealth(this.db, this.vectors.version);
  }

  async info(): Promise<StorageInfo> {
    const r = await this.db.query<{ v: number; bytes: string }>(`SELECT (SELECT max(version) FROM lore_schema) AS v,
      (SELECT coalesce(sum(pg_column_size(c.*)), 0) FROM chunks c JOIN document_index d ON d.id = c.document_id WHERE d.project_id = $1) AS bytes`, [this.projectId]);
    return {
      schemaVersion: Number(r.rows[0].v),
      bytes: Number(r.rows[0].bytes),
      vectorExtension: this.vectors.available ? { loaded: true, version: this.vectors.version } : { loaded: false, error: this.vectors.unavailableReason },
    };
  }

  /** A server's index is not a file Lore can set aside: damage there is the server's to report. */
  isDamage(): boolean {
    return false;
  }

  /** Every chunk belongs to a document of this project and every document's chunk count is right. */
  async check(): Promise<string[]> {
    const r = await this.db.query<{ path: string; n: string; want: number }>(`SELECT d.file_path AS path, count(c.id) AS n, d.chunk_count AS want
      FROM document_index d LEFT JOIN chunks c ON c.document_id = d.id WHERE d.project_id = $1 GROUP BY d.id HAVING count(c.id) != d.chunk_count LIMIT 10`, [this.projectId]);
    return r.rows.map((x) => `${x.path} has ${x.n} chunks but its row says ${x.want}`);
  }

  async replaceDamaged(reason: string): Promise<Recovery> {
    throw new LoreError('DB_OPEN', `The team index at ${this.location} cannot be replaced by Lore (${reason}): ask its administrator, or run "lore index --force" to rewrite this project's rows.`);
  }

  async backup(opts: { to?: string; index?: boolean } = {}): Promise<{ userData: string; index?: string }> {
    if (opts.index) throw new LoreError('BAD_INPUT', `The team index lives on the server (${safeUrl(this.db.url)}): back it up there (pg_dump), or copy it to a SQLite file with "lore migrate --to sqlite".`);
    return { userData: this.userData.backup(opts.to && path.resolve(opts.to)) };
  }

  async restoreUserData(from: string): Promise<string> {
    return this.userData.restore(from);
  }

  async validate(): Promise<ValidationReport> {
    const problems = (await this.check()).map((message) => ({ check: 'chunk counts', message }));
    return mergeReports({ ok: !problems.length, problems, checked: ['chunk counts'] }, this.userData.validate());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.ownDb) await this.db.close();
    } finally {
      this.ownUserData?.close();
    }
  }
}

export async function pgHealth(db: PgDatabase, pgvector?: string): Promise<PgHealth> {
  const t0 = performance.now();
  try {
    const r = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return { reachable: true, latencyMs: performance.now() - t0, serverVersion: r.rows[0].v, ...(pgvector ? { pgvector } : {}) };
  } catch (err) {
    return { reachable: false, error: (err as Error).message };
  }
}

/** A reader does not migrate: the schema must be there, and not newer than this Lore knows. */
async function requireSchema(db: PgDatabase): Promise<void> {
  const newest = loadPgMigrations().at(-1)?.version ?? 0;
  const r = await db.query<{ v: number | null }>(`SELECT max(version) AS v FROM lore_schema`).catch(() => ({ rows: [{ v: null }] }));
  const v = r.rows[0]?.v ?? 0;
  if (v === 0) throw new LoreError('DB_OPEN', `There is no Lore team index at ${safeUrl(db.url)} yet: index the workspace once with write access.`);
  if (v > newest) throw new LoreError('SCHEMA_TOO_NEW', `The team index at ${safeUrl(db.url)} has schema version ${v}, newer than this Lore knows (${newest}): update Lore to use it.`);
}

async function findProject(db: PgDatabase, name: string): Promise<number> {
  const r = await db.query<{ id: string }>('SELECT id FROM lore_projects WHERE name = $1', [name]);
  if (!r.rows[0]) throw new LoreError('DB_OPEN', `The team index at ${safeUrl(db.url)} has no project "${name}" yet: index it once with write access.`);
  return Number(r.rows[0].id);
}
