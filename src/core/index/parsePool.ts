import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { failedJob, processFile, type FileJob, type FileResult } from './processFile';
import { WORKER_YOUNG_MB, workerEntry } from '../workerEntry';

type Pending = { resolve: (r: FileResult) => void; reject: (e: Error) => void; job: FileJob };

export interface ParseLimits {
  /** A file that takes longer to read and parse is failed, its worker replaced (default 10 s). */
  timeoutMs?: number;
  /** Heap of each worker; a file that needs more is failed, its worker replaced (default 768 MB). */
  maxMemoryMb?: number;
}

export const DEFAULT_PARSE_TIMEOUT_MS = 10_000;
const DEFAULT_WORKER_MEMORY_MB = 768;

/**
 * A small pool of worker threads that read, hash and parse files, so that the main thread only
 * writes to SQLite. Results come back in completion order. With `size` 0 it runs inline.
 *
 * Each worker is handed up to `depth` jobs ahead (they queue in its message port), so a worker
 * never sits idle while the main thread is busy writing a batch to the database.
 *
 * Work per file is bounded: a worker that spends longer than `timeoutMs` on one file, or runs out
 * of its heap, is terminated and replaced; that file fails with the reason, the rest go on.
 */
export class ParsePool {
  private readonly workers: Worker[] = [];
  private readonly queue: { id: number; job: FileJob }[] = [];
  private readonly pending = new Map<number, Pending>();
  /** Jobs sent to each worker, in the order it processes them. */
  private readonly assigned = new Map<Worker, number[]>();
  /** When each worker began the file it is on. */
  private readonly startedAt = new Map<Worker, number>();
  private nextId = 1;
  private closed = false;
  private closing: Promise<void> = Promise.resolve();
  private readonly timeoutMs: number;
  private readonly maxMemoryMb: number;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    readonly size = ParsePool.defaultSize(),
    readonly depth = 8,
    limits: ParseLimits = {},
  ) {
    this.timeoutMs = limits.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
    this.maxMemoryMb = limits.maxMemoryMb ?? DEFAULT_WORKER_MEMORY_MB;
    for (let i = 0; i < size; i++) this.spawn();
    if (size > 0) {
      this.watchdog = setInterval(() => this.checkTimes(), Math.max(10, Math.min(1000, this.timeoutMs / 4)));
      this.watchdog.unref();
    }
  }

  private spawn(): void {
    const entry = workerEntry(__dirname, 'parseWorker');
    const w = new Worker(entry.file, { eval: entry.eval, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB, maxOldGenerationSizeMb: this.maxMemoryMb } });
    w.on('message', (msg: { id: number; started?: true; result?: FileResult }) => {
      if (msg.started) this.startedAt.set(w, performance.now());
      else this.settle(w, msg.id, msg.result!);
    });
    w.on('error', (err) => this.replace(w, (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? `parsing it needed more than ${this.maxMemoryMb} MB of memory; it is not indexed (split or simplify the file)`
      : `parser crashed: ${err.message}`));
    this.workers.push(w);
    this.assigned.set(w, []);
  }

  /** A worker over its time budget on one file: that file fails, the worker is replaced. */
  private checkTimes(): void {
    const now = performance.now();
    for (const [w, t] of this.startedAt) {
      if (now - t > this.timeoutMs) {
        this.replace(w, `took longer than ${(this.timeoutMs / 1000).toFixed(this.timeoutMs < 1000 ? 1 : 0)} s to parse; it is not indexed (split or simplify the file)`);
      }
    }
  }

  /** One worker per core: the main thread's SQLite writes are light enough to share a core. */
  static defaultSize(): number {
    return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
  }

  /** How many jobs the workers can hold at once; a caller keeping this many in flight keeps them busy. */
  get capacity(): number {
    return this.workers.length * this.depth;
  }

  run(job: FileJob): Promise<FileResult> {
    if (this.closed) return Promise.reject(new Error('parse pool is closed'));
    if (this.workers.length === 0) return Promise.resolve(processFile(job));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, job });
      this.queue.push({ id, job });
      this.pump();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return this.closing;
    this.closed = true;
    clearInterval(this.watchdog);
    for (const p of this.pending.values()) p.reject(new Error('parse pool closed'));
    this.pending.clear();
    this.queue.length = 0;
    this.closing = Promise.all(this.workers.map((w) => w.terminate())).then(() => undefined);
    return this.closing;
  }

  private pump(): void {
    while (this.queue.length) {
      // The least loaded worker that still has room.
      let best: Worker | undefined;
      for (const w of this.workers) {
        const n = this.assigned.get(w)!.length;
        if (n < this.depth && (!best || n < this.assigned.get(best)!.length)) best = w;
      }
      if (!best) return;
      const msg = this.queue.shift()!;
      this.assigned.get(best)!.push(msg.id);
      best.postMessage(msg);
    }
  }

  private settle(w: Worker, id: number, result: FileResult): void {
    this.startedAt.delete(w);
    const ids = this.assigned.get(w);
    const i = ids?.indexOf(id) ?? -1;
    if (i !== -1) ids!.splice(i, 1);
    const p = this.pending.get(id);
    this.pending.delete(id);
    p?.resolve(result);
    this.pump();
  }

  /**
   * A worker died (out of memory on a pathological file, say) or ran over its time: the file it
   * was on fails with `reason`, it is terminated and a fresh worker takes its place, and the files
   * queued behind it go to the workers again.
   */
  private replace(w: Worker, reason: string): void {
    const ids = this.assigned.get(w);
    if (!ids) return; // already replaced
    this.assigned.delete(w);
    this.startedAt.delete(w);
    const i = this.workers.indexOf(w);
    if (i !== -1) this.workers.splice(i, 1);
    void w.terminate();
    const [current, ...queued] = ids;
    if (current !== undefined) {
      const p = this.pending.get(current);
      this.pending.delete(current);
      p?.resolve(failedJob(p.job, reason));
    }
    for (const id of queued.reverse()) {
      const p = this.pending.get(id);
      if (p) this.queue.unshift({ id, job: p.job });
    }
    if (this.closed) return;
    this.spawn();
    this.pump();
  }
}
