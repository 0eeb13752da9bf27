/**
 * How a worker's entry is found: the compiled file beside the bundle (dist/<name>.js), else
 * the TypeScript source beside this module's caller, run under tsx (unit tests, `npm run bench`).
 */
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';

/** dist/<name>.js beside the bundle, when this runs from one. */
function bundled(dir: string, name: string): string | undefined {
  const js = path.join(dir, `${name}.js`);
  return fs.existsSync(js) ? js : undefined;
}

export function workerEntry(dir: string, name: string): { file: string; eval: boolean } {
  const js = bundled(dir, name);
  if (js) return { file: js, eval: false };
  return { file: `require('tsx/cjs'); require(${JSON.stringify(path.join(dir, `${name}.ts`))});`, eval: true };
}

/**
 * A worker process's entry (idleWorker.ts): dist/<name>.js, else the TypeScript source under tsx.
 * Its nursery is kept as small as a worker thread's (below).
 */
export function processEntry(dir: string, name: string): { file: string; execArgv: string[] } {
  const young = [`--max-semi-space-size=${WORKER_YOUNG_MB / 2}`];
  const js = bundled(dir, name);
  if (js) return { file: js, execArgv: young };
  return { file: path.join(dir, `${name}.ts`), execArgv: [...young, '--require', createRequire(__filename).resolve('tsx/cjs')] };
}

/**
 * The young generation of Lore's worker threads. Their work makes many short-lived objects, but a
 * large nursery is memory the host keeps: 64 MB per parse worker peaked the CLI at 332 MB indexing
 * 38,952 files, 16 MB at 221 MB, in the same time within the noise (37-45 s either way).
 */
export const WORKER_YOUNG_MB = 16;

/**
 * Lore's background work (parsing, writing, embedding) runs below normal CPU priority, so that on a
 * busy machine the editor's thread, which waits for a CPU like everything else, gets one first:
 * at 100,000 chunks on 2 cores most of the extension host's longest stalls were time spent
 * runnable but not running. Where the machine is idle, priority changes nothing.
 */
export const BACKGROUND_PRIORITY = 10;

/** A worker process: lowered from outside (every platform; Windows's "below normal"). */
export function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    os.setPriority(pid, BACKGROUND_PRIORITY);
  } catch {
    // not permitted here: the worker runs at normal priority, as it did before
  }
}

/**
 * A worker thread: lowers itself. Linux only, where a priority belongs to a thread and pid 0 means
 * the calling one; elsewhere pid 0 is the whole process, the editor's thread included.
 */
export function lowerThisThread(): void {
  if (process.platform !== 'linux') return;
  try {
    os.setPriority(0, BACKGROUND_PRIORITY);
  } catch {
    // as above
  }
}
