/**
 * The backend factory: opens the storage a Lore runs on. SQLite (a file per folder, user data in
 * a file beside it) is the only backend today; a server backend is chosen here too.
 */
import type { Storage } from './storage';
import { openSqliteStorage, type SqliteStorageOptions } from './sqlite/storage';

export type { UserData } from './sqlite/userData';
export { openUserData, USER_DATA_FILE, userDataPathFor } from './sqlite/userData';

export type StorageOptions = { backend?: 'sqlite' } & SqliteStorageOptions;

export async function openStorage(opts: StorageOptions): Promise<Storage> {
  return openSqliteStorage(opts);
}
