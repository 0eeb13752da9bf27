import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStorage } from '../../src/core/storage/sqlite/storage';

export type TempStorage = ReturnType<typeof openSqliteStorage>;

/** A fresh SQLite storage on disk (a temp folder named after `prefix`) for `fn`, closed and removed after. */
export async function withStorage(prefix: string, fn: (storage: TempStorage, file: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'index.db');
  const storage = openSqliteStorage({ dbPath: file });
  try {
    await fn(storage, file);
  } finally {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
