/**
 * Which folder an index is for: the one given, else the one it records, else the one the host
 * found it in. One index holds one folder: another folder is refused while the first is still on
 * disk (a folder that moved is adopted: its files keep their relative paths).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LoreError } from './errors';
import type { LoreInit } from './lore';
import type { Storage } from './storage/storage';

export async function indexRoot(init: Pick<LoreInit, 'root' | 'defaultRoot' | 'readonly'>, storage: Storage): Promise<string> {
  if (storage.shared) {
    // A team index holds one project for many clients, each with the folder at its own path.
    const own = init.root ?? init.defaultRoot;
    if (!own) throw new LoreError('BAD_INPUT', `No folder given for the team index at ${storage.location} (run \`lore index <dir>\`).`);
    return path.resolve(own);
  }
  const stored = await storage.documents.meta('root');
  const root = init.root ? path.resolve(init.root) : (stored ?? (init.defaultRoot && path.resolve(init.defaultRoot)));
  if (!root && storage.recovered) {
    throw new LoreError('DB_OPEN', `The index at ${storage.location} was damaged (${storage.recovered.reason}) and was set aside as ${storage.recovered.movedTo}; run \`lore index <dir>\` to rebuild it from the markdown (session history is kept).`);
  }
  if (!root) throw new LoreError('BAD_INPUT', `No folder given, and the index at ${storage.location} does not record which folder it is for (it is empty: run \`lore index <dir>\`).`);
  if (stored && root !== stored && fs.existsSync(stored) && (await storage.documents.hasDocuments())) {
    // One index holds one folder: indexing another into it would silently drop the first's documents.
    // (A folder that moved is adopted: its old path is gone, and its files keep their relative paths.)
    throw new LoreError('BAD_INPUT', `The index at ${storage.location} holds ${stored}, not ${root}. Give ${root} its own index (\`lore index ${root}\` keeps it in its .lore folder, or pass another --db), or delete ${storage.location} to reuse it.`);
  }
  if (!init.readonly && root !== stored) await storage.documents.setMeta('root', root);
  return root;
}
