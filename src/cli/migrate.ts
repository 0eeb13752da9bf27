/**
 * `lore migrate --to postgres|sqlite [<dir>]`: moves a folder's index to the other backend. The
 * embedding cache is copied (nothing already embedded is embedded again), then a full pass writes
 * the documents and chunks into the target from the markdown, its vectors from the copied cache.
 * Session history and memory are the local file beside the index on both backends: they stay.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LoreError } from '../core/errors';
import { copyEmbeddingCache, type CacheCopy } from '../core/migrate';
import { createLore, type Lore, type LoreInit } from '../core/service';
import { openOneBackend } from '../core/storage/open';
import { formatCount as n } from '../core/format';
import { formatEmbedding, formatSummary } from './format';
import { defaultDbPath } from './locate';

export interface MigrateIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export async function runMigrate(
  rest: string[],
  opts: { to?: string; db?: string; dir?: string; json: boolean },
  init: Pick<LoreInit, 'postgres' | 'embedder' | 'logger'>,
  io: MigrateIo,
  waitForEmbedding: (lore: Lore) => Promise<void>,
  signal?: AbortSignal,
): Promise<{ code: number; lore?: Lore }> {
  const to = opts.to === 'postgres' || opts.to === 'sqlite' ? opts.to : undefined;
  if (!to) throw new LoreError('BAD_INPUT', `\`lore migrate\` takes --to postgres or --to sqlite${opts.to ? `, not "${opts.to}"` : ''}: lore migrate --to postgres [<dir>] --database-url URL`);
  if (rest.length > 1) throw new LoreError('BAD_INPUT', '`lore migrate` takes at most one folder: lore migrate --to postgres <dir>');
  const root = path.resolve(rest[0] ?? opts.dir ?? '.');
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new LoreError('BAD_INPUT', `Not a folder: ${root}`);
  const dbPath = opts.db ? path.resolve(opts.db) : defaultDbPath(root).dbPath;
  const from = to === 'postgres' ? 'sqlite' : 'postgres';
  const base = { dbPath, postgres: init.postgres, folder: root };

  // 1. The cached vectors (from an existing source only: a folder never indexed has none).
  let copy: CacheCopy = { copied: {} };
  const hasSource = from === 'postgres' || fs.existsSync(dbPath);
  const target = await openOneBackend(to, base);
  try {
    if (hasSource) {
      const source = await openOneBackend(from, { ...base, readonly: true }).catch((err) => {
        if (err instanceof LoreError && /has no project|There is no Lore team index/.test(err.message)) return undefined;
        throw err;
      });
      if (source) {
        try {
          copy = await copyEmbeddingCache(source, target, { signal });
        } finally {
          await source.close();
        }
      }
    }
  } finally {
    await target.close();
  }

  // 2. The documents and chunks, from the markdown, into the target; vectors from the copied cache.
  const lore = await createLore({ root, dbPath, backend: to, postgres: init.postgres, embedder: init.embedder, logger: init.logger, embedding: { background: true }, check: to === 'sqlite' });
  const summary = await lore.index({ signal });
  await waitForEmbedding(lore);
  const status = await lore.status();
  if (to === 'postgres' && status.team?.using !== 'postgres') {
    throw new LoreError('DB_OPEN', `The team index went away during the migration (${status.team?.reason ?? 'unknown reason'}); run \`lore migrate --to postgres\` again once it answers (what was copied stays).`);
  }
  const copied = Object.entries(copy.copied);
  if (opts.json) {
    io.out(JSON.stringify({ to, index: status.dbPath, copiedVectors: copy.copied, ...(copy.skipped ? { vectorsSkipped: copy.skipped } : {}), summary, cache: status.cache, userData: status.userDataPath }, null, 2));
  } else {
    const lines = [
      `Migrated ${root} to ${to === 'postgres' ? `the team index ${status.dbPath}` : `the local index ${status.dbPath}`}.`,
      copied.length ? `Copied ${copied.map(([m, k]) => `${n(k)} cached vector(s) of ${m}`).join(', ')}: already embedded text is not embedded again.` : copy.skipped ? `Vectors were not copied: ${copy.skipped}` : 'No cached vectors to copy.',
      formatSummary(summary, await lore.files('failed')),
      formatEmbedding(status),
      `Session history and memory stay in ${status.userDataPath} (the same local file on both backends).`,
      to === 'postgres' ? 'Use it with --backend postgres (or LORE_DATABASE_URL), or lore.storage.backend = postgres in VS Code.' : 'Use it with --backend sqlite (the default), or lore.storage.backend = sqlite in VS Code.',
    ];
    io.out(lines.join('\n'));
  }
  return { code: 0, lore };
}
