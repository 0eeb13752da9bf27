/**
 * Worker process entry: a document embedder's requests (thread.ts). The server's answers (a
 * request of 32 texts is ~0.5 MB of JSON, parsed into arrays of numbers) are read here, and only
 * the vectors cross to the caller.
 */
import type { WorkerReply } from '../idleWorker';
import { workerFailed, workerPort } from '../workerPort';
import { createEmbedder } from './create';
import { EmbedderError, type EmbedderSettings } from './types';

export type EmbedRequest = { id: number; texts: string[] } | { abort: number } | { close: true };
export type SentError = { name: string; message: string; kind?: EmbedderError['kind']; opts?: Omit<EmbedderError['opts'], 'cause'>; code?: string };


function sent(err: unknown): SentError {
  if (err instanceof EmbedderError) {
    const { cause: _cause, ...opts } = err.opts;
    return { name: err.name, message: err.message, kind: err.kind, opts };
  }
  const e = err as { name?: string; message?: string; code?: unknown };
  return { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined };
}

async function main(): Promise<void> {
  const port = await workerPort<{ settings: EmbedderSettings }, EmbedRequest>();
  const embedder = createEmbedder(port.data.settings);
  const running = new Map<number, AbortController>();
  port.onMessage((m) => {
    if ('close' in m) {
      for (const ac of running.values()) ac.abort();
      port.close();
      return;
    }
    if ('abort' in m) {
      running.get(m.abort)?.abort();
      return;
    }
    const ac = new AbortController();
    running.set(m.id, ac);
    embedder.embed(m.texts, { kind: 'document', signal: ac.signal }).then(
      (vectors) => port.post({ id: m.id, result: vectors } satisfies WorkerReply),
      (err) => port.post({ id: m.id, error: sent(err) } satisfies WorkerReply),
    ).finally(() => running.delete(m.id));
  });
}

void main().catch(workerFailed);
