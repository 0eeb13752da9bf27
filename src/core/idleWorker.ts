/**
 * A worker process that starts with its first request and ends once requests have been idle for a
 * while (the index's writer, the document embedder). Requests are answered by id, in the worker's
 * own time; while one is under way the worker keeps this process alive, and an idle one never does
 * (a CLI exits when its work is done).
 *
 * A process, not a thread: what a worker thread allocates outside JavaScript (SQLite's pages and
 * merges, vectors' buffers) stays in the host process's allocator after the thread ends. 100,000
 * vectors written from a thread left ~94 MB of such arenas in the extension host for good; a
 * process gives all of its memory back when it ends. Messages are copied (v8 serialisation, typed
 * arrays included): a few hundred KB per request, well under a millisecond.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import { lowerPriority } from './workerEntry';

/** What every worker of this kind answers: the request's id, and its result or error. */
export interface WorkerReply {
  id: number;
  result?: unknown;
  error?: unknown;
}

export interface IdleWorkerOptions {
  /** What the worker is, as diagnostics name it ("index writer"). */
  name: string;
  entry: { file: string; execArgv: string[] };
  /** Sent as the worker's first message (see workerPort.ts). */
  workerData: unknown;
  idleMs: number;
  /** The error a request gets when the worker fails (it could not start, or it died). */
  failed: (cause: Error) => Error;
  /** The error a request gets from the error the worker sent. */
  received: (sent: unknown) => Error;
}

/** A worker process running now: what it is, and its process id (its memory is the machine's too). */
export interface RunningWorker {
  name: string;
  pid: number;
  /** Its resident memory, where the system says (Linux). */
  rssMb?: number;
}

const running = new Set<{ name: string; process: ChildProcess }>();

/** Lore's worker processes running now, in this process. */
export function runningWorkers(): RunningWorker[] {
  return [...running].filter((w) => w.process.pid !== undefined).map((w) => ({ name: w.name, pid: w.process.pid!, rssMb: rssMb(w.process.pid!) }));
}

function rssMb(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined; // it ended meanwhile
  }
}

type Pending = { resolve: (result: unknown) => void; reject: (err: Error) => void };

export class IdleWorker {
  private worker: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: IdleWorkerOptions) {}

  /** Whether the worker is running now. */
  get running(): boolean {
    return !!this.worker;
  }

  /** Sends `{ id, ...body }`; `signal` sends `{ abort: id }` after it, for the worker to stop that request. */
  async request(body: object, signal?: AbortSignal): Promise<unknown> {
    await this.stopping;
    const worker = this.start();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    keepAlive(worker, true); // a request under way keeps this process alive until it is answered
    const onAbort = () => send(worker, { abort: id });
    try {
      return await new Promise<unknown>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        send(worker, { id, ...body });
        // (Cancelled while a closing worker was waited for: the cancel follows the request.)
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Resolves once the requests sent so far are answered (or failed), and their callers have heard. */
  async settled(): Promise<void> {
    const waits = [...this.pending.values()].map((p) => new Promise<void>((done) => {
      const { resolve, reject } = p;
      p.resolve = (result) => (resolve(result), done());
      p.reject = (err) => (reject(err), done());
    }));
    await Promise.all(waits);
  }

  /** Waits for the requests under way, then sends `{ close: true }` and waits for the worker to end. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (!worker) return this.stopping;
    this.worker = undefined;
    this.stopping = (async () => {
      await this.settled();
      keepAlive(worker, true); // until it has closed what it holds
      const exited = new Promise<void>((done) => (worker.exitCode !== null || worker.signalCode !== null ? done() : worker.once('exit', () => done())));
      send(worker, { close: true });
      await exited;
    })();
    await this.stopping;
    this.stopping = undefined;
  }

  private start(): ChildProcess {
    if (this.worker) return this.worker;
    const { entry, workerData } = this.opts;
    const worker = fork(entry.file, [], {
      execArgv: entry.execArgv,
      serialization: 'advanced', // typed arrays arrive as typed arrays
      // VS Code's extension host runs on Electron's binary: as Node, so that native modules load.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    lowerPriority(worker.pid);
    const listed = { name: this.opts.name, process: worker };
    running.add(listed);
    worker.once('exit', () => running.delete(listed));
    let stderr = '';
    worker.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2_000)));
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) p?.reject(this.opts.received(reply.error));
      else p?.resolve(reply.result);
      if (!this.pending.size && this.worker === worker) {
        keepAlive(worker, false);
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => void this.close(), this.opts.idleMs).unref();
      }
    });
    const fail = (cause: Error) => {
      const err = this.opts.failed(cause);
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code, signal) => {
      const last = stderr.trim().split('\n').pop();
      fail(new Error(`it stopped (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`));
    });
    send(worker, { data: workerData });
    this.worker = worker;
    return worker;
  }
}

/** A message to the worker; one whose channel has closed is dropped (its exit fails what is pending). */
function send(worker: ChildProcess, message: object): void {
  if (worker.connected) worker.send(message, (err) => void err);
}

function keepAlive(worker: ChildProcess, on: boolean): void {
  const handles = [worker, worker.channel, worker.stderr as Socket | null];
  for (const h of handles) (on ? h?.ref() : h?.unref());
}
