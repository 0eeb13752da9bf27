import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where the CLI keeps a folder's index: `<folder>/.lore/index.db` (with a .gitignore so it is
 * never committed), or, when the folder is read-only, a per-folder place in the user's cache.
 */
export function defaultDbPath(folder: string): { dbPath: string; inCache: boolean } {
  const abs = path.resolve(folder);
  const local = path.join(abs, '.lore');
  if (fs.existsSync(path.join(local, 'index.db'))) return { dbPath: path.join(local, 'index.db'), inCache: false };
  const cached = cacheDbPath(abs);
  if (fs.existsSync(cached)) return { dbPath: cached, inCache: true };
  try {
    fs.mkdirSync(local, { recursive: true });
    const ignoreFile = path.join(local, '.gitignore');
    if (!fs.existsSync(ignoreFile)) fs.writeFileSync(ignoreFile, '# Lore index: made from your markdown, safe to delete.\n*\n');
    return { dbPath: path.join(local, 'index.db'), inCache: false };
  } catch {
    return { dbPath: cached, inCache: true };
  }
}

export function cacheDbPath(absFolder: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const id = crypto.createHash('sha256').update(absFolder).digest('hex').slice(0, 12);
  return path.join(base, 'lore', `${path.basename(absFolder) || 'root'}-${id}`, 'index.db');
}

/**
 * The index for commands that read one: the nearest `.lore/index.db` at or above `from`, else the
 * cache's; with the folder it was made for (where it was found).
 */
export function findDbPath(from: string): { dbPath: string; folder: string } | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.lore', 'index.db');
    if (fs.existsSync(candidate)) return { dbPath: candidate, folder: dir };
    const cached = cacheDbPath(dir);
    if (fs.existsSync(cached)) return { dbPath: cached, folder: dir };
    if (path.dirname(dir) === dir) return undefined;
  }
}
