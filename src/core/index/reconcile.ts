import fs from 'node:fs';
import path from 'node:path';
import { LoreError, errorMessage } from '../errors';
import type { ChunkOptions, SyncStatus } from '../types';
import { type DiskFile, type FileFilter, linkOutside, listFiles, Skipped, type SkippedPath, statOrWhy } from './files';
import { type ParseLimits, ParsePool } from './parsePool';
import { covers } from './lanes';
import { orderForUser } from './priority';
import { type FileResult, sha256 } from './processFile';
import { Turns } from '../turns';
import type { DocumentStore, IndexedFile, IndexWrite } from '../storage/documents';

/** Files up to this size may parse on the indexing thread: even the slowest markdown known (~15 KB/s) blocks it under a second. */
const INLINE_MAX_BYTES = 8 * 1024;

export interface IndexProgress {
  phase: 'scanning' | 'indexing' | 'done';
  /** Files of this run's work done, of `total` (new, changed or failed files; unchanged ones are not work). */
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
  /** Files to index before the rest (the editor's open files); their folders come next (see priority.ts). */
  first?: readonly string[];
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
  /** Paths the walk could not index, with the reason (listed up to MAX_SKIPPED_LISTED; `skipped` counts all). */
  skipped: number;
  skippedPaths: SkippedPath[];
}

/** Several runs' summaries as one (a multi-folder workspace's pass). */
export function sumSummaries(summaries: ReconcileSummary[]): ReconcileSummary {
  const sum: ReconcileSummary = {
    scanned: 0, added: 0, changed: 0, touched: 0, unchanged: 0, renamed: 0, removed: 0, failed: 0, chunks: 0, bytes: 0, ms: 0,
    skipped: 0, skippedPaths: [],
  };
  for (const s of summaries) {
    for (const k of Object.keys(sum) as (keyof ReconcileSummary)[]) if (k !== 'skippedPaths') sum[k] += s[k];
    sum.skippedPaths.push(...s.skippedPaths);
  }
  return sum;
}

export interface IndexerConfig {
  filter: FileFilter;
  store: DocumentStore;
  maxFileSize: number;
  chunk?: Partial<ChunkOptions>;
  /** Status a document gets once its text is indexed ('synced' without an embedder). */
  statusAfterText: () => SyncStatus;
  /** Below this many files to parse (each at most INLINE_MAX_BYTES), parse on this thread (no worker start-up). */
  inlineBelow?: number;
  /** Time and memory per file in the parse workers. */
  parseLimits?: ParseLimits;
}

type WorkItem = { rel: string; row?: IndexedFile };

export async function reconcile(cfg: IndexerConfig, opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const t0 = performance.now();
  const { store, filter } = cfg;
  const signal = opts.signal;
  const sum: ReconcileSummary = {
    scanned: 0, added: 0, changed: 0, touched: 0, unchanged: 0, renamed: 0, removed: 0, failed: 0, chunks: 0, bytes: 0, ms: 0,
    skipped: 0, skippedPaths: [],
  };
  const report = (p: IndexProgress) => opts.onProgress?.(p); // at each phase and each commit (a batch is tens of files)
  report({ phase: 'scanning', done: 0, total: 0 });

  const scope = opts.paths?.map((p) => p.replace(/\/+$/, ''));
  const skipped = new Skipped();
  const disk = scope ? await scanPaths(filter, scope, signal, skipped) : await listFiles(filter, signal, '', skipped);
  sum.skipped = skipped.count;
  sum.skippedPaths = skipped.listed;
  sum.scanned = disk.size;
  const rows = await store.indexedFiles();
  const inScope = (p: string) => !scope || scope.some((s) => covers(s, p));
  const byPath = new Map(rows.map((r) => [r.path, r]));

  const work: WorkItem[] = [];
  const fresh: string[] = [];
  const turns = new Turns(); // tens of thousands of files are compared in pieces: the thread is the editor's
  for (const [rel, st] of disk) {
    if (turns.due()) await turns.take();
    const row = byPath.get(rel);
    if (!row) fresh.push(rel);
    else if (opts.force || row.size !== st.size || row.mtime !== st.mtime || row.status === 'stale' || (row.status === 'failed' && (opts.retryFailed || row.retry)))
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
        await store.apply([{ kind: 'rename', file: match.row, path: rel, stamp: match.stamp, status: cfg.statusAfterText() }]);
        vanished.splice(vanished.indexOf(match.row), 1);
        sum.renamed++;
      } else work.push({ rel });
    }
  } else for (const rel of fresh) work.push({ rel });
  await store.apply(vanished.map((file) => ({ kind: 'delete', file })));
  sum.removed += vanished.length;

  // What the user most likely wants first; the walk's own order (reverse alphabetical) means nothing.
  const ordered = await orderForUser(work, (rel) => disk.get(rel)?.mtime, { first: opts.first });
  const total = ordered.length;
  let done = 0;
  report({ phase: 'indexing', done, total });
  // A few small files parse on this thread (no worker start-up); anything larger goes to workers,
  // where a file's time and memory are bounded (a stuck parse cannot hold up this thread).
  const inline = total < (cfg.inlineBelow ?? 16) && work.every((w) => (disk.get(w.rel)?.size ?? 0) <= INLINE_MAX_BYTES);
  const pool = new ParsePool(inline ? 0 : ParsePool.defaultSize(), undefined, cfg.parseLimits);
  const writer = new BatchWriter(store, (item, r) => writeFor(cfg, item, r), (item, r, failed) => count(item, r, sum, failed), (batch) => {
    done += batch.length;
    report({ phase: 'indexing', done, total, current: batch[batch.length - 1][0].rel }); // every commit: a search's "N of M" reads this beside the counts
  });
  // Cancelled: the parsers stop at once (a file mid-parse is dropped, not waited for).
  const stopParsing = () => void pool.close();
  signal?.addEventListener('abort', stopParsing, { once: true });
  try {
    const inflight = new Set<Promise<void>>();
    // Enough files in flight to keep every worker's queue full while results wait to be written.
    const window = Math.max(1, pool.capacity * 2);
    // A full window waits for one file to finish. (Not Promise.race over the window: each call
    // adds a reaction to every pending file, and with files waiting for the writer those piled up,
    // 38,952 files x 32, into the heap's old generation.)
    let slotFree: (() => void) | undefined;
    let failure: { err: unknown } | undefined;
    let started = 0;
    for (const item of ordered) {
      if (signal?.aborted || writer.error || failure) break;
      const job = {
        root: filter.root, rel: item.rel, maxFileSize: cfg.maxFileSize, chunk: cfg.chunk, seen: disk.get(item.rel),
        knownHash: opts.force || (item.row?.status === 'failed' && (opts.retryFailed || item.row.retry)) ? undefined : item.row?.hash,
      };
      const p: Promise<void> = pool
        .run(job)
        .then((r) => writer.add(item, r), (err) => {
          if (!signal?.aborted) throw err; // the pool closed because the run was cancelled: that file waits for the next run
        })
        .catch((err: unknown) => void (failure ??= { err }))
        .finally(() => {
          inflight.delete(p);
          const wake = slotFree;
          slotFree = undefined;
          wake?.();
        });
      inflight.add(p);
      started++;
      if (inflight.size >= window) await new Promise<void>((resolve) => (slotFree = resolve));
      if (pool.size === 0 && started % 8 === 0) await new Promise(setImmediate); // let events (and the writer's timer) through
    }
    await Promise.all(inflight);
    if (failure) throw failure.err;
  } finally {
    signal?.removeEventListener('abort', stopParsing);
    await writer.close(); // what was parsed is written, even on cancel: each document is complete or absent
    await pool.close();
  }
  if (writer.error) {
    if (!store.isTransient(writer.error)) throw writer.error;
    // The disk is full (or the database busy, or I/O failing): what is written is consistent.
    throw new LoreError('DB_WRITE', `The index could not be written (${errorMessage(writer.error)}); ${done} of ${total} files are indexed and consistent, and the next run indexes the rest${/full|ENOSPC/i.test(errorMessage(writer.error)) ? ' once there is space on the disk' : ''}.`, { cause: writer.error });
  }
  sum.ms = Math.round(performance.now() - t0);
  if (signal?.aborted) {
    throw new LoreError('ABORTED', `Cancelled after ${done} of ${total} files; everything written so far is consistent and the next run finishes the rest.`);
  }
  report({ phase: 'done', done, total });
  return sum;
}

/**
 * Group commit: results are written in batches (up to `maxBatch` documents, or whatever gathered
 * within `maxDelayMs`), one transaction per batch, so the keyword index flushes its pending terms
 * and the store commits once per batch rather than once per document. A document and its chunks
 * are still written whole or not at all: if a batch fails, none of it is written and its
 * documents are written again one transaction each, where a failing one is marked failed and the
 * others are kept. A run killed at any point loses at most the uncommitted batch, which the next
 * run redoes. Batches are written one after another, in the order they filled.
 */
export class BatchWriter {
  private items: [WorkItem, FileResult][] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Batches waiting to be written or being written, oldest first. */
  private readonly queued: Promise<void>[] = [];
  private closed = false;
  /** A write that failed even on its own (the database is full, say): the run stops with it. */
  error: unknown;

  constructor(
    private readonly store: DocumentStore,
    /** The write a result makes (none for a file that vanished before it was ever indexed). */
    private readonly writeFor: (item: WorkItem, r: FileResult) => IndexWrite | undefined,
    /** Counts a result once it is written (`failed`: recorded as failed instead). */
    private readonly count: (item: WorkItem, r: FileResult, failed?: boolean) => void,
    private readonly written: (batch: [WorkItem, FileResult][]) => void,
    private readonly maxBatch = 64,
    private readonly maxDelayMs = 100,
    private readonly maxQueued = 2,
  ) {}

  /**
   * Resolves when the writer has room: while `maxQueued` batches wait to be written, parsing
   * waits too, so that parsed documents never pile up in memory ahead of a slower writer (where
   * they would outlive the young generation and stay as garbage in the old one).
   */
  add(item: WorkItem, r: FileResult): Promise<void> | undefined {
    if (this.closed) return undefined; // the run is over (it failed): nothing is written behind its back
    this.items.push([item, r]);
    if (this.items.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
    return this.queued.length > this.maxQueued ? this.queued[0] : undefined;
  }

  /** Writes what is left; later results are dropped. */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    await this.writing;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.items.length) return;
    const batch = this.items;
    this.items = [];
    const written = (this.writing = this.writing.then(() => this.write(batch))); // write() never rejects: it records its error
    this.queued.push(written);
    const done = () => void this.queued.splice(this.queued.indexOf(written), 1);
    written.then(done, done);
  }

  private async write(batch: [WorkItem, FileResult][]): Promise<void> {
    if (this.error) return;
    const writes = batch.map(([item, r]) => this.writeFor(item, r));
    try {
      await this.store.apply(writes.filter((w): w is IndexWrite => !!w));
      for (const [item, r] of batch) this.count(item, r);
    } catch {
      // Rolled back: each document again in its own transaction.
      for (let i = 0; i < batch.length; i++) {
        const [item, r] = batch[i];
        const w = writes[i];
        try {
          if (w) await this.store.apply([w]);
          this.count(item, r);
        } catch (err) {
          if (r.kind === 'gone') {
            this.error = err;
            return;
          }
          // One document's write failed (a constraint, say): it is marked failed and the run carries on.
          try {
            await this.store.apply([{ kind: 'failure', path: item.rel, stamp: r, reason: `could not be stored: ${errorMessage(err)}`, retry: this.store.isTransient(err) }]);
            this.count(item, r, true);
          } catch (again) {
            this.error = again;
            return;
          }
        }
      }
    }
    this.written(batch);
  }
}

function writeFor(cfg: IndexerConfig, item: WorkItem, r: FileResult): IndexWrite | undefined {
  switch (r.kind) {
    case 'gone':
      return item.row && { kind: 'delete', file: item.row };
    case 'unchanged':
      return { kind: 'touch', file: item.row!, stamp: r, status: cfg.statusAfterText() };
    case 'failed':
      return { kind: 'failure', path: item.rel, stamp: r, reason: r.reason, retry: r.retry };
    case 'parsed':
      return { kind: 'document', path: item.rel, stamp: r, doc: r.doc, status: cfg.statusAfterText() };
  }
}

function count(item: WorkItem, r: FileResult, sum: ReconcileSummary, failed = false): void {
  if (failed) {
    sum.failed++;
    return;
  }
  switch (r.kind) {
    case 'gone':
      if (item.row) sum.removed++;
      return;
    case 'unchanged':
      sum.touched++;
      return;
    case 'failed':
      sum.failed++;
      return;
    case 'parsed':
      if (item.row) sum.changed++;
      else sum.added++;
      sum.chunks += r.doc.chunks.length;
      sum.bytes += r.size;
  }
}

/** Stats the given paths (files, or folders walked whole) that the filter indexes. */
async function scanPaths(filter: FileFilter, scope: string[], signal: AbortSignal | undefined, skipped: Skipped): Promise<Map<string, DiskFile>> {
  const out = new Map<string, DiskFile>();
  for (const rel of scope) {
    if (rel === '') return listFiles(filter, signal, '', skipped);
    const st = await fs.promises.stat(path.join(filter.root, rel)).catch(() => undefined);
    if (st?.isDirectory()) {
      for (const [p, f] of await listFiles(filter, signal, rel, skipped)) out.set(p, f);
    } else if (filter.indexes(rel)) {
      const outside = await linkOutside(filter.root, rel);
      if (outside) {
        skipped.add(rel, outside);
        continue;
      }
      // A file gone since the event is simply gone; a link to nothing (or a loop) is listed.
      const f = await statOrWhy(filter.root, rel);
      if (!('reason' in f)) out.set(rel, f);
      else if (f.reason) skipped.add(rel, f.reason);
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
