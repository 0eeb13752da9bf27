import fs from 'node:fs';
import path from 'node:path';
import { LoreError, errorMessage } from '../errors';
import type { ChunkOptions, SyncStatus } from '../types';
import { type DiskFile, type FileFilter, listFiles, statFile } from './files';
import { ParsePool } from './parsePool';
import { type FileResult, sha256 } from './processFile';
import type { IndexedFile, IndexStore } from './store';

export interface IndexProgress {
  phase: 'scanning' | 'indexing' | 'done';
  done: number;
  total: number;
  current?: string;
}

export interface ReconcileOptions {
  /** Only these workspace-relative paths (files or folders); default: the whole root. */
  paths?: string[];
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Try files marked failed again even if unchanged. */
  retryFailed?: boolean;
  /** Re-read and re-parse every file in scope. */
  force?: boolean;
}

export interface ReconcileSummary {
  scanned: number;
  added: number;
  changed: number;
  /** Timestamp changed, bytes did not: nothing re-parsed. */
  touched: number;
  unchanged: number;
  renamed: number;
  removed: number;
  failed: number;
  chunks: number;
  bytes: number;
  ms: number;
}

export interface IndexerConfig {
  filter: FileFilter;
  store: IndexStore;
  maxFileSize: number;
  chunk?: Partial<ChunkOptions>;
  /** Status a document gets once its text is indexed ('synced' without an embedder). */
  statusAfterText: () => SyncStatus;
  /** Below this many files to parse, parse on this thread (no worker start-up). */
  inlineBelow?: number;
}

type WorkItem = { rel: string; row?: IndexedFile };

export async function reconcile(cfg: IndexerConfig, opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const t0 = performance.now();
  const { store, filter } = cfg;
  const signal = opts.signal;
  const sum: ReconcileSummary = {
    scanned: 0, added: 0, changed: 0, touched: 0, unchanged: 0, renamed: 0, removed: 0, failed: 0, chunks: 0, bytes: 0, ms: 0,
  };
  const report = throttle(opts.onProgress);
  report({ phase: 'scanning', done: 0, total: 0 }, true);

  const scope = opts.paths?.map((p) => p.replace(/\/+$/, ''));
  const disk = scope ? await scanPaths(filter, scope, signal) : await listFiles(filter, signal);
  sum.scanned = disk.size;
  const rows = store.all();
  const inScope = (p: string) => !scope || scope.some((s) => p === s || p.startsWith(s + '/') || s === '');
  const byPath = new Map(rows.map((r) => [r.path, r]));

  const work: WorkItem[] = [];
  const fresh: string[] = [];
  for (const [rel, st] of disk) {
    const row = byPath.get(rel);
    if (!row) fresh.push(rel);
    else if (opts.force || row.size !== st.size || row.mtime !== st.mtime || row.status === 'stale' || (opts.retryFailed && row.status === 'failed'))
      work.push({ rel, row });
    else sum.unchanged++;
  }
  const vanished = rows.filter((r) => inScope(r.path) && !disk.has(r.path));

  // Renames: a new path whose bytes equal a vanished file's keeps that file's chunks.
  if (vanished.length && fresh.length) {
    const byHash = new Map<string, IndexedFile[]>();
    for (const r of vanished) byHash.set(r.hash, [...(byHash.get(r.hash) ?? []), r]);
    for (const rel of fresh) {
      const match = await hashIfCandidate(filter.root, rel, disk.get(rel)!, byHash);
      if (match) {
        store.rename(match.row, rel, match.stamp);
        vanished.splice(vanished.indexOf(match.row), 1);
        sum.renamed++;
      } else work.push({ rel });
    }
  } else for (const rel of fresh) work.push({ rel });
  store.batch(() => {
    for (const r of vanished) {
      store.delete(r);
      sum.removed++;
    }
  });

  const total = work.length;
  let done = 0;
  report({ phase: 'indexing', done, total }, true);
  const pool = new ParsePool(total >= (cfg.inlineBelow ?? 16) ? ParsePool.defaultSize() : 0);
  const writer = new BatchWriter(store, (item, r, strict) => applyResult(cfg, item, r, sum, strict), sum, (batch) => {
    done += batch.length;
    report({ phase: 'indexing', done, total, current: batch[batch.length - 1][0].rel });
  });
  try {
    const inflight = new Set<Promise<void>>();
    // Enough files in flight to keep every worker's queue full while results wait to be written.
    const window = Math.max(1, pool.capacity * 2);
    let started = 0;
    for (const item of work) {
      if (signal?.aborted || writer.error) break;
      const job = {
        root: filter.root, rel: item.rel, maxFileSize: cfg.maxFileSize, chunk: cfg.chunk,
        knownHash: opts.force || (opts.retryFailed && item.row?.status === 'failed') ? undefined : item.row?.hash,
      };
      const p: Promise<void> = pool.run(job).then((r) => writer.add(item, r)).finally(() => inflight.delete(p));
      inflight.add(p);
      started++;
      if (inflight.size >= window) await Promise.race(inflight);
      if (pool.size === 0 && started % 8 === 0) await new Promise(setImmediate); // let events (and the writer's timer) through
    }
    await Promise.all(inflight);
  } finally {
    writer.close(); // what was parsed is written, even on cancel: each document is complete or absent
    await pool.close();
  }
  if (writer.error) throw writer.error;
  sum.ms = Math.round(performance.now() - t0);
  if (signal?.aborted) {
    throw new LoreError('ABORTED', `Cancelled after ${done} of ${total} files; everything written so far is consistent and the next run finishes the rest.`);
  }
  report({ phase: 'done', done, total }, true);
  return sum;
}

/**
 * Group commit: results are written in batches (up to `maxBatch` documents, or whatever gathered
 * within `maxDelayMs`), one transaction per batch, so FTS5 flushes its pending terms and SQLite
 * commits once per batch rather than once per document. A document and its chunks are still
 * written whole or not at all: if any write of a batch fails, the whole batch is rolled back and
 * its documents are written again one transaction each, where a failing one is marked failed and
 * the others are kept. A run killed at any point loses at most the uncommitted batch, which the
 * next run redoes.
 */
class BatchWriter {
  private items: [WorkItem, FileResult][] = [];
  private timer: NodeJS.Timeout | undefined;
  /** A write that failed even on its own (the database is full, say): the run stops with it. */
  error: unknown;

  constructor(
    private readonly store: IndexStore,
    /** Writes one result; `strict`: throw on failure instead of recording the file as failed. */
    private readonly write: (item: WorkItem, r: FileResult, strict: boolean) => void,
    private readonly sum: ReconcileSummary,
    private readonly written: (batch: [WorkItem, FileResult][]) => void,
    private readonly maxBatch = 64,
    private readonly maxDelayMs = 100,
  ) {}

  private closed = false;

  add(item: WorkItem, r: FileResult): void {
    if (this.closed) return; // the run is over (it failed): nothing is written behind its back
    this.items.push([item, r]);
    if (this.items.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
  }

  /** Writes what is left; later results are dropped. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.items.length || this.error) return;
    const batch = this.items;
    this.items = [];
    const before = { ...this.sum };
    try {
      this.store.batch(() => {
        for (const [item, r] of batch) this.write(item, r, true);
      });
    } catch {
      Object.assign(this.sum, before); // rolled back: count again below
      try {
        for (const [item, r] of batch) this.write(item, r, false); // each in its own transaction
      } catch (err) {
        this.error = err;
        return;
      }
    }
    this.written(batch);
  }
}

function applyResult(cfg: IndexerConfig, item: WorkItem, r: FileResult, sum: ReconcileSummary, strict = false): void {
  const { store } = cfg;
  try {
    switch (r.kind) {
      case 'gone':
        if (item.row) {
          store.delete(item.row);
          sum.removed++;
        }
        return;
      case 'unchanged':
        store.touch(item.row!, r, cfg.statusAfterText());
        sum.touched++;
        return;
      case 'failed':
        store.writeFailure(item.rel, r, r.reason);
        sum.failed++;
        return;
      case 'parsed':
        store.writeDocument(item.rel, r, r.doc, cfg.statusAfterText());
        if (item.row) sum.changed++;
        else sum.added++;
        sum.chunks += r.doc.chunks.length;
        sum.bytes += r.size;
    }
  } catch (err) {
    if (strict || r.kind === 'gone') throw err;
    // One document's write failed (a constraint, say): it is marked failed and the run carries on.
    store.writeFailure(item.rel, r, `could not be stored: ${errorMessage(err)}`);
    sum.failed++;
  }
}

/** Stats the given paths (files, or folders walked whole) that the filter indexes. */
async function scanPaths(filter: FileFilter, scope: string[], signal?: AbortSignal): Promise<Map<string, DiskFile>> {
  const out = new Map<string, DiskFile>();
  for (const rel of scope) {
    if (rel === '') return listFiles(filter, signal);
    const st = await fs.promises.stat(path.join(filter.root, rel)).catch(() => undefined);
    if (st?.isDirectory()) {
      for (const [p, f] of await listFiles(filter, signal, rel)) out.set(p, f);
    } else if (st?.isFile() && filter.indexes(rel)) {
      const f = await statFile(filter.root, rel);
      if (f) out.set(rel, f);
    }
  }
  return out;
}

async function hashIfCandidate(root: string, rel: string, st: DiskFile, byHash: Map<string, IndexedFile[]>) {
  try {
    const bytes = await fs.promises.readFile(path.join(root, rel));
    const hash = sha256(bytes);
    const row = byHash.get(hash)?.shift();
    return row ? { row, stamp: { hash, size: bytes.length, mtime: st.mtime } } : undefined;
  } catch {
    return undefined;
  }
}

function throttle(fn: ((p: IndexProgress) => void) | undefined, everyMs = 50) {
  let last = 0;
  return (p: IndexProgress, force = false) => {
    if (!fn) return;
    const now = performance.now();
    if (force || now - last >= everyMs) {
      last = now;
      fn(p);
    }
  };
}
