/**
 * The team index's command-line options, the same for every `lore` command and `lore mcp`:
 * --backend, --database-url, --project (and LORE_BACKEND, LORE_DATABASE_URL, LORE_PROJECT,
 * LORE_DATABASE_PASSWORD from the environment; a password never goes on the command line).
 */
import { LoreError } from '../core/errors';
import type { LoreInit } from '../core/service';

export const TEAM_OPTIONS = {
  backend: { type: 'string' },
  'database-url': { type: 'string' },
  project: { type: 'string' },
} as const;

export const TEAM_HELP = `Team index (PostgreSQL + pgvector, shared by several machines; the local SQLite index answers
while the server cannot be reached):
  --backend B          sqlite, postgres, or auto (default: PostgreSQL when a database URL is given, else SQLite)
  --database-url URL   postgres://user@host:5432/database (env LORE_DATABASE_URL; ?sslmode=require for TLS)
  --project NAME       the project's name on the server (env LORE_PROJECT; default: the folder's git remote)
  env LORE_DATABASE_PASSWORD (or PGPASSWORD): the password, kept out of the URL and the command line;
  LORE_DATABASE_POOL_MAX: the most connections to the server (default 10)`;

const BACKENDS = ['sqlite', 'postgres', 'auto'] as const;

/** The backend and connection a command's options and the environment ask for. */
export function teamInit(values: { backend?: string; 'database-url'?: string; project?: string }, env: NodeJS.ProcessEnv = process.env): Pick<LoreInit, 'backend' | 'postgres'> {
  const asked = values.backend ?? env.LORE_BACKEND ?? 'auto';
  const backend = BACKENDS.find((b) => b === asked);
  if (!backend) throw new LoreError('BAD_INPUT', `--backend takes sqlite, postgres or auto, not "${asked}"`);
  const url = values['database-url'] ?? env.LORE_DATABASE_URL;
  const project = values.project ?? env.LORE_PROJECT;
  const poolMax = env.LORE_DATABASE_POOL_MAX ? Number(env.LORE_DATABASE_POOL_MAX) : undefined;
  if (poolMax !== undefined && !(Number.isInteger(poolMax) && poolMax >= 1 && poolMax <= 100)) throw new LoreError('BAD_INPUT', `LORE_DATABASE_POOL_MAX takes a whole number from 1 to 100, not "${env.LORE_DATABASE_POOL_MAX}"`);
  if (backend === 'sqlite') return { backend };
  return { backend, postgres: { ...(url ? { url } : {}), ...(project ? { project } : {}), ...(poolMax ? { max: poolMax, min: 0 } : {}) } };
}
