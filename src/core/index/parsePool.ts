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
 */
export class ParsePool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { id: number; job: FileJob }[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly busy = new Map<Worker, number>();
  private nextId = 1;
  private closed = false;

  constructor(readonly size = ParsePool.defaultSize()) {
    const entry = size > 0 ? workerEntry() : undefined;
    for (let i = 0; i < size; i++) {
      const w = new Worker(entry!.file, { eval: entry!.eval });
      w.on('message', (msg: { id: number; result: FileResult }) => this.settle(w, msg.id, msg.result));
      w.on('error', (err) => this.crashed(w, err));
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** One worker per core: the main thread's SQLite writes are light enough to share a core. */
  static defaultSize(): number {
    return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
  }

  run(job: FileJob): Promise<FileResult> {
    if (this.closed) return Promise.reject(new Error('parse pool is closed'));
    if (this.size === 0) return Promise.resolve(processFile(job));
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
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const msg = this.queue.shift()!;
      this.busy.set(w, msg.id);
      w.postMessage(msg);
    }
  }

  private settle(w: Worker, id: number, result: FileResult): void {
    this.busy.delete(w);
    this.idle.push(w);
    const p = this.pending.get(id);
    this.pending.delete(id);
    p?.resolve(result);
    this.pump();
  }

  private crashed(w: Worker, err: Error): void {
    // A worker died (out of memory on a pathological file, say): that file fails, the pool carries on inline.
    const id = this.busy.get(w);
    this.busy.delete(w);
    if (id !== undefined) {
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.resolve({ rel: p.job.rel, kind: 'failed', hash: '', size: 0, mtime: 0, reason: `parser crashed: ${err.message}` });
    }
    const i = this.workers.indexOf(w);
    if (i !== -1) this.workers.splice(i, 1);
    if (!this.workers.length) {
      // No workers left: drain the queue on this thread rather than hang.
      for (const { id: qid, job } of this.queue.splice(0)) {
        const p = this.pending.get(qid);
        this.pending.delete(qid);
        p?.resolve(processFile(job));
      }
    }
  }
}
