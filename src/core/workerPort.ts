/**
 * The side of an IdleWorker (idleWorker.ts) that runs in the worker process: the data it was
 * started with, the requests it is sent, and the way it answers. The parent sends the data as its
 * first message (never on the command line or in the environment: an API key may be in it), and
 * requests follow; should the parent go away, the worker ends (what it was writing commits or
 * rolls back as one transaction, as after any crash).
 */
export interface WorkerPort<D, M> {
  data: D;
  /** Requests, in the order they were sent (those that arrived before this was called too). */
  onMessage(handle: (m: M) => void): void;
  post(reply: unknown): void;
  /** Ends the worker once its replies are sent. */
  close(): void;
}

export function workerPort<D, M>(): Promise<WorkerPort<D, M>> {
  if (!process.send) throw new Error('a worker process is started by an IdleWorker, with an IPC channel');
  process.on('disconnect', () => process.exit(0));
  return new Promise((resolve) => {
    let started = false;
    let handle: ((m: M) => void) | undefined;
    const early: M[] = [];
    process.on('message', (m: unknown) => {
      if (!started) {
        started = true;
        resolve({
          data: (m as { data: D }).data,
          onMessage: (fn) => {
            handle = fn;
            for (const e of early.splice(0)) fn(e);
          },
          post: (reply) => void (process.connected && process.send!(reply)),
          close: () => process.disconnect(),
        });
      } else if (handle) handle(m as M);
      else early.push(m as M);
    });
  });
}

/** A worker that cannot go on (it could not open what it was given): its reason, as the last line its parent reads. */
export function workerFailed(err: unknown): never {
  process.stderr.write(`\n${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
}

/** An error as it crosses between a worker and its caller: its class's name, message, and code (SQLite's, a LoreError's, a system call's). */
export interface SentError {
  name: string;
  message: string;
  code?: string;
}

export function sendableError(err: unknown): SentError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  return { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined };
}

/** The error on the caller's side: the same message, name and code, so that the caller tells a full disk from damage as before. */
export function receivedError(sent: SentError): Error {
  return Object.assign(new Error(sent.message), { name: sent.name }, sent.code ? { code: sent.code } : {});
}
