/**
 * Which project a folder's rows belong to in a shared database: a configured name, else the
 * folder's git remote (origin, or the first remote) as host/path ("github.com/acme/handbook":
 * every clone of the repository is the same project), else the folder's name and a hash of its path.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PgDatabase } from './connect';

/** "git@github.com:acme/handbook.git", "https://user:token@github.com/acme/handbook" -> "github.com/acme/handbook". */
export function normaliseRemote(url: string): string | undefined {
  const u = url.trim();
  const scp = /^(?:[\w.-]+@)?([\w.-]+):(?!\/\/)(.+)$/.exec(u);
  let host: string;
  let rest: string;
  if (scp && !/^[a-z]+:\/\//i.test(u)) {
    host = scp[1];
    rest = scp[2];
  } else {
    try {
      const p = new URL(u);
      if (p.protocol === 'file:') return undefined;
      host = p.hostname;
      rest = p.pathname;
    } catch {
      return undefined;
    }
  }
  const clean = rest.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  return host && clean ? `${host.toLowerCase()}/${clean}` : undefined;
}

/** The remotes' URLs in .git/config of `folder` or the repository above it (origin first). */
function gitRemotes(folder: string): string[] {
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    const git = path.join(dir, '.git');
    let config: string | undefined;
    try {
      const gitDir = fs.statSync(git).isDirectory() ? git : path.resolve(dir, fs.readFileSync(git, 'utf8').replace(/^gitdir:\s*/, '').trim());
      config = fs.readFileSync(path.join(gitDir, 'config'), 'utf8');
    } catch {
      config = undefined;
    }
    if (config !== undefined) {
      const remotes: Array<{ name: string; url: string }> = [];
      let current: string | undefined;
      for (const line of config.split(/\r?\n/)) {
        const section = /^\s*\[remote\s+"([^"]+)"\]\s*$/.exec(line);
        if (section) current = section[1];
        else if (/^\s*\[/.test(line)) current = undefined;
        else if (current) {
          const url = /^\s*url\s*=\s*(.+?)\s*$/.exec(line);
          if (url) remotes.push({ name: current, url: url[1] });
        }
      }
      return remotes.sort((a, b) => Number(b.name === 'origin') - Number(a.name === 'origin')).map((r) => r.url);
    }
    if (path.dirname(dir) === dir) return [];
  }
}

export function projectName(folder: string, configured?: string): string {
  if (configured?.trim()) return configured.trim();
  for (const url of gitRemotes(folder)) {
    const name = normaliseRemote(url);
    if (name) return name;
  }
  const abs = path.resolve(folder);
  return `${path.basename(abs)}-${createHash('sha256').update(abs).digest('hex').slice(0, 12)}`;
}

/** The project's id, created on first use (several clients at once get the same one). */
export async function ensureProject(db: PgDatabase, name: string): Promise<number> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO lore_projects (name, created_at) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [name, Date.now()],
  );
  return Number(r.rows[0].id);
}
