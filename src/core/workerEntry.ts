/**
 * How a worker thread's entry is found: the compiled file beside the bundle (dist/<name>.js), else
 * the TypeScript source beside this module's caller, run under tsx (unit tests, `npm run bench`).
 */
import fs from 'node:fs';
import path from 'node:path';

export function workerEntry(dir: string, name: string): { file: string; eval: boolean } {
  const js = path.join(dir, `${name}.js`);
  if (fs.existsSync(js)) return { file: js, eval: false };
  return { file: `require('tsx/cjs'); require(${JSON.stringify(path.join(dir, `${name}.ts`))});`, eval: true };
}

/**
 * The young generation of Lore's worker threads. Their work makes many short-lived objects, but a
 * large nursery is memory the host keeps: 64 MB per parse worker peaked the CLI at 332 MB indexing
 * 38,952 files, 16 MB at 221 MB, in the same time within the noise (37-45 s either way).
 */
export const WORKER_YOUNG_MB = 16;
