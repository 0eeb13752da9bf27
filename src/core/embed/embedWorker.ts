/**
 * Worker process entry: a document embedder's requests (processEmbedder.ts). The server's answers (a
 * request of 32 texts is ~0.5 MB of JSON, parsed into arrays of numbers) are read here, and only
 * the vectors cross to the caller.
 */
import type { WorkerReply } from '../idleWorker';
import { type SentError as SentAnyError, sendableError, workerFailed, workerPort } from '../workerPort';
import { createEmbedder } from './create';
import { EmbedderError, type EmbedderSettings } from './types';

export type EmbedRequest = { id: number; texts: string[] } | { abort: number } | { close: true };
/** An EmbedderError crosses with its kind and its options (status, transient, input problem, fix). */
export type SentError = SentAnyError & { kind?: EmbedderError['kind']; opts?: Omit<EmbedderError['opts'], 'cause'> };

function sent(err: unknown): SentError {
  if (err instanceof EmbedderError) {
    const { cause: _cause, ...opts } = err.opts;
    return { ...sendableError(err), kind: err.kind, opts };
  }
  return sendableError(err);
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
