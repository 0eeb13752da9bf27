/**
 * Worker process entry: a document embedder's requests (processEmbedder.ts). The server's answers (a
 * request of 32 texts is ~0.5 MB of JSON, parsed into arrays of numbers) are read here, and only
 * the vectors cross to the caller. The built-in model runs here too, for queries and checks as well
 * (in a second process of its own, so a query never waits behind a batch of documents).
 */
import type { WorkerReply } from '../idleWorker';
import { type SentError as SentAnyError, sendableError, workerFailed, workerPort } from '../workerPort';
import { createEmbedder } from './create';
import { type EmbedKind, EmbedderError, type ResolvedEmbedderSettings } from './types';

export type EmbedRequest =
  | { id: number; texts: string[]; kind?: EmbedKind }
  | { id: number; preflight: true }
  | { abort: number }
  | { close: true };
/** What an embed request answers: the vectors, and how many inputs were cut to the model's length. */
export interface EmbedResult {
  vectors: Float32Array[];
  truncated: number;
}
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
  const port = await workerPort<{ settings: ResolvedEmbedderSettings }, EmbedRequest>();
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
    const cut = () => (embedder as { truncated?: number }).truncated ?? 0;
    const before = cut();
    const work: Promise<unknown> = 'preflight' in m
      ? embedder.preflight({ signal: ac.signal })
      : embedder.embed(m.texts, { kind: m.kind ?? 'document', signal: ac.signal }).then((vectors): EmbedResult => ({ vectors, truncated: cut() - before }));
    work.then(
      (result) => port.post({ id: m.id, result } satisfies WorkerReply),
      (err) => port.post({ id: m.id, error: sent(err) } satisfies WorkerReply),
    ).finally(() => running.delete(m.id));
  });
}

void main().catch(workerFailed);
