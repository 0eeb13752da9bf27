/** Shared helpers of the benchmark sections: context, statistics, machine and load, builds, temp dirs. */
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..');

export interface BenchContext {
  /** Extra folders to cold-index (--dir). */
  dirs: string[];
  /** Repetitions of each timed measurement (--repeat, default 3). */
  repeat: number;
  /** A temp dir for this run (removed at the end). */
  tmp: string;
  log: (msg: string) => void;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 0.5);
}

/** "best (median median)" over repeated runs (lower is better unless `higherIsBetter`). */
export function bestMedian(xs: number[], fmt: (x: number) => string, higherIsBetter = false): string {
  const sorted = [...xs].sort((a, b) => (higherIsBetter ? b - a : a - b));
  return xs.length === 1 ? fmt(xs[0]) : `${fmt(sorted[0])} (median ${fmt(median(xs))})`;
}

export const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x)} ms`;
/** Megabytes as the CLI prints them (10^6 bytes). */
export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Load average while a measurement ran, to judge how much other work shared the 2 cores. */
export function loadNow(): string {
  return os.loadavg().map((x) => x.toFixed(1)).join(' / ');
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  let sqlite = '?';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3');
    const db = new Database(':memory:');
    sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    db.close();
  } catch {
    // reported as '?'
  }
  const pkg = (name: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version as string;
    } catch {
      return '?';
    }
  };
  return `${os.availableParallelism?.() ?? os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GB, ` +
    `${os.platform()} ${os.release()}, Node ${process.versions.node}, better-sqlite3 ${pkg('better-sqlite3')} (SQLite ${sqlite}), sqlite-vec ${pkg('sqlite-vec')}`;
}

let built = false;
/** Builds dist/ (the CLI and the parse worker bundle users run) once per bench run. */
export function ensureBuilt(log: (m: string) => void): void {
  if (built) return;
  log('building dist/ (node esbuild.mjs)');
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

export interface CliRun {
  wallMs: number;
  cpuMs: number;
  stdout: string;
}

/** Runs the built CLI (`node bin/lore.js ...`) and reports wall time and the process's CPU time (all threads). */
export function runCli(args: string[]): Promise<CliRun> {
  const hook = path.join(REPO, 'bench', 'cpuReport.cjs');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--require', hook, path.join(REPO, 'bin', 'lore.js'), ...args], {
      cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      const cpu = /LORE_BENCH_CPU (\d+)/.exec(stderr);
      if (code !== 0) return reject(new Error(`lore ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      resolve({ wallMs, cpuMs: cpu ? Number(cpu[1]) / 1000 : NaN, stdout });
    });
  });
}

/**
 * A cache folder for generated corpora and databases, keyed by what they depend on. The cache
 * root (os.tmpdir()/lore-bench-cache) is created here, so callers can list the other entries
 * beside theirs on a fresh machine; the keyed folder itself is left to the caller to (re)build.
 */
export function cacheDir(...keyParts: string[]): string {
  const hash = crypto.createHash('sha256');
  for (const p of keyParts) hash.update(p).update('\0');
  const root = path.join(os.tmpdir(), 'lore-bench-cache');
  fs.mkdirSync(root, { recursive: true });
  return path.join(root, hash.digest('hex').slice(0, 16));
}

/** Hash of the files under these repo folders (so a cache is rebuilt when the code that made it changes). */
export function sourceHash(...dirs: string[]): string {
  const hash = crypto.createHash('sha256');
  for (const d of dirs) {
    const abs = path.join(REPO, d);
    for (const f of fs.readdirSync(abs).sort()) {
      const file = path.join(abs, f);
      if (fs.statSync(file).isFile()) hash.update(f).update(fs.readFileSync(file));
    }
  }
  return hash.digest('hex');
}

export function dirBytes(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.git' && e.name !== 'node_modules' && e.name !== '.lore') walk(p);
      } else if (/\.(md|markdown|mdx)$/i.test(e.name)) {
        files++;
        bytes += fs.statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

export function dbBytes(file: string): number {
  let n = 0;
  for (const s of ['', '-wal']) n += fs.statSync(file + s, { throwIfNoEntry: false })?.size ?? 0;
  return n;
}
