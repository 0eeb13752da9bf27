/**
 * The backend factory: opens the storage a Lore runs on. SQLite (a file per folder, user data in
 * a file beside it) is the default; `postgres` is the team index on a server, with the local
 * SQLite index answering while the server cannot be reached; `auto` is PostgreSQL when a server
 * is configured and SQLite otherwise. The user's own data stays in the local file in every case.
 */
import path from 'node:path';
import { LoreError } from '../errors';
import type { Storage } from './storage';
import { FailoverStorage } from './failover';
import type { PgOptions } from './postgres/connect';
import { projectName } from './postgres/project';
import { PgStorage } from './postgres/storage';
import { openSqliteStorage, type SqliteStorageOptions } from './sqlite/storage';
import { openUserData, type UserData, userDataPathFor } from './userData';

export type { UserData } from './userData';
export { openUserData, USER_DATA_FILE, userDataPathFor } from './userData';

export type Backend = 'sqlite' | 'postgres' | 'auto';

/** The team index's connection: the URL (password from the environment or the host's secret storage, never in settings). */
export interface TeamIndexOptions extends Pick<PgOptions, 'password' | 'min' | 'max' | 'statementTimeoutMs' | 'connectTimeoutMs' | 'ssl'> {
  url?: string;
  /** The project's name on the server (default: the folder's git remote, else the folder's name and a hash of its path). */
  project?: string;
  /** How often an unreachable server is tried again (default 15 s). */
  probeMs?: number;
}

export type StorageOptions = SqliteStorageOptions & {
  backend?: Backend;
  postgres?: TeamIndexOptions;
  /** The workspace folder (names the project on the server). */
  folder?: string;
};

/** The database URL a host was given: the option, else LORE_DATABASE_URL. */
export function teamUrl(opts?: TeamIndexOptions): string | undefined {
  return opts?.url?.trim() || process.env.LORE_DATABASE_URL?.trim() || undefined;
}

/** The server, the project and the local index path of a team index (refusing without a URL). */
function teamTarget(opts: StorageOptions): { url: string; project: string; dbPath: string; pg: TeamIndexOptions } {
  const url = teamUrl(opts.postgres);
  if (!url) throw new LoreError('BAD_INPUT', 'The postgres backend needs a database URL: set LORE_DATABASE_URL, pass --database-url, or fill in the lore.storage.postgres settings.');
  const dbPath = path.resolve(opts.dbPath);
  const pg = opts.postgres ?? {};
  return { url, dbPath, pg, project: projectName(opts.folder ?? path.dirname(path.dirname(dbPath)), pg.project) };
}

export async function openStorage(opts: StorageOptions): Promise<Storage> {
  const backend = opts.backend ?? 'sqlite';
  if (backend === 'sqlite' || (backend === 'auto' && !teamUrl(opts.postgres))) return openSqliteStorage(opts);
  const { url, project, dbPath, pg } = teamTarget(opts);
  const shared = opts.userData && 'sessions' in opts.userData ? opts.userData : undefined;
  const userData: UserData = shared ?? openUserData(opts.userData?.path ?? userDataPathFor(dbPath), { readonly: opts.readonly, warn: opts.warn });
  try {
    return await FailoverStorage.open({
      url,
      project,
      userData,
      closeUserData: !shared,
      localPath: dbPath,
      readonly: opts.readonly,
      probeMs: pg.probeMs,
      warn: opts.warn,
      openServer: () => PgStorage.open({ ...pg, url, project, userData, readonly: opts.readonly, warn: opts.warn }),
      openLocal: () => openSqliteStorage({ ...opts, userData }),
    });
  } catch (err) {
    if (!shared) userData.close();
    throw err;
  }
}

/**
 * One backend only, with no fallback (copying an index between backends must know which it
 * writes): the local SQLite index, or the team index on the server (refusing when it cannot be reached).
 */
export async function openOneBackend(which: 'sqlite' | 'postgres', opts: StorageOptions): Promise<Storage> {
  if (which === 'sqlite') return openSqliteStorage(opts);
  const { url, project, dbPath, pg } = teamTarget(opts);
  const userData = openUserData(userDataPathFor(dbPath), { readonly: opts.readonly, warn: opts.warn });
  return PgStorage.open({ ...pg, url, project, userData, closeUserData: true, readonly: opts.readonly, warn: opts.warn });
}
