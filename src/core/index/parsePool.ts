import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { processFile, type FileJob, type FileResult } from './processFile';

type Pending = { resolve: (r: FileResult) => void; reject: (e: Error) => void; job: FileJob };

/** The compiled worker beside the bundle (dist/parseWorker.js), else the TypeScript source under tsx. */
function workerEntry(): { file: string; eval: boolean } {
  const js = path.join(__dirname, 'parseWorker.js');
  if (fs.existsSync(js)) return { file: js, eval: false };
  const ts = path.join(__dirname, 'parseWorker.ts');
  return { file: `require('tsx/cjs'); require(${JSON.stringify(ts)});`, eval: true };
}

/**
 * A small pool of worker threads that read, hash and parse files, so that the main thread only
 * writes to SQLite. Results come back in completion order. With `size` 0 it runs inline.
 *
 * Each worker is handed up to `depth` jobs ahead (they queue in its message port), so a worker
 * never sits idle while the main thread is busy writing a batch to the database.
 */
export class ParsePool {
  private readonly workers: Worker[] = [];
  private readonly queue: { id: number; job: FileJob }[] = [];
  private readonly pending = new Map<number, Pending>();
  /** Jobs sent to each worker, in the order it processes them. */
  private readonly assigned = new Map<Worker, number[]>();
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size = ParsePool.defaultSize(),
    readonly depth = 8,
  ) {
    const entry = size > 0 ? workerEntry() : undefined;
    for (let i = 0; i < size; i++) {
      // A larger young generation than the default: parsing allocates fast and dies young, and with
      // it the workers spend about 10% less CPU collecting garbage (measured on bench/corpus.ts).
      const w = new Worker(entry!.file, { eval: entry!.eval, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
      w.on('message', (msg: { id: number; result: FileResult }) => this.settle(w, msg.id, msg.result));
      w.on('error', (err) => this.crashed(w, err));
      this.workers.push(w);
      this.assigned.set(w, []);
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
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('parse pool closed'));
    this.pending.clear();
    this.queue.length = 0;
    await Promise.all(this.workers.map((w) => w.terminate()));
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
    const ids = this.assigned.get(w);
    const i = ids?.indexOf(id) ?? -1;
    if (i !== -1) ids!.splice(i, 1);
    const p = this.pending.get(id);
    this.pending.delete(id);
    p?.resolve(result);
    this.pump();
  }

  private crashed(w: Worker, err: Error): void {
    // A worker died (out of memory on a pathological file, say): the file it was on fails, the
    // files queued behind it go to the other workers, or run inline when none is left.
    const ids = this.assigned.get(w) ?? [];
    this.assigned.delete(w);
    const i = this.workers.indexOf(w);
    if (i !== -1) this.workers.splice(i, 1);
    const [current, ...queued] = ids;
    if (current !== undefined) {
      const p = this.pending.get(current);
      this.pending.delete(current);
      p?.resolve({ rel: p.job.rel, kind: 'failed', hash: '', size: 0, mtime: 0, reason: `parser crashed: ${err.message}` });
    }
    for (const id of queued.reverse()) {
      const p = this.pending.get(id);
      if (p) this.queue.unshift({ id, job: p.job });
    }
    if (this.workers.length) return this.pump();
    // No workers left: drain the queue on this thread rather than hang.
    for (const { id, job } of this.queue.splice(0)) {
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.resolve(processFile(job));
    }
  }
}
