import { errorMessage } from '../errors';
import type { EmbeddingQueue, TodoChunk, TodoDoc, VectorIndex } from '../storage/vectors';
import { Turns } from '../turns';
import { isEmbedderWide } from './health';
import type { Embedder } from './types';

/**
 * Vectors per transaction. They are written on the index's writer process when it runs (else on
 * the caller's): 320 vectors of 768 dimensions in one transaction held the writing thread, and the
 * write lock, for 150-300 ms; 32 hold it for 10-20, so the indexer's own commits get their turn.
 */
const VECTORS_PER_COMMIT = 32;

export interface StepInput {
  target: Embedder;
  batch: TodoDoc[];
  signal: AbortSignal;
  docs: EmbeddingQueue;
  vectors: VectorIndex;
}

/**
 * One step of the queue: cache first, then the embedder for what the cache lacks; vectors and
 * statuses are stored in one commit, so a document rewritten meanwhile is never marked with
 * vectors of its old text. Returns the cache hits and misses (chunks).
 */
export async function embedStep({ target, batch, signal, docs, vectors }: StepInput): Promise<{ hits: number; misses: number }> {
  const model = target.id;
  // Chunks unchanged since this model embedded them (only re-flagged), or none at all: nothing to compute.
  const ready = batch.filter((d) => d.chunkCount === 0 || d.embeddingModel === model);
  if (ready.length) await docs.commit(model, [], ready);
  const todo = batch.filter((d) => !ready.includes(d));
  if (!todo.length) return { hits: 0, misses: 0 };
  const chunks = await docs.chunks(todo.map((d) => d.id));
  const known = await vectors.cached(model, [...new Set(chunks.map((c) => c.hash))]);
  const missing = new Map<string, string>();
  for (const c of chunks) if (!known.has(c.hash) && !missing.has(c.hash)) missing.set(c.hash, c.text);
  const failedDocs = new Set<number>();
  const turns = new Turns();
  if (missing.size) {
    const computed = await embedMissing({ target, batch: todo, signal, docs, vectors }, missing, chunks, failedDocs, turns);
    for (const [h, v] of computed) known.set(h, v);
  }
  if (signal.aborted) return { hits: 0, misses: 0 };
  const ok = todo.filter((d) => !failedDocs.has(d.id));
  const rowsOf = new Map<number, { chunkId: number; vector: Float32Array; contentHash: string }[]>();
  for (const c of chunks) {
    if (failedDocs.has(c.docId) || !known.has(c.hash)) continue;
    let rows = rowsOf.get(c.docId);
    if (!rows) rowsOf.set(c.docId, (rows = []));
    rows.push({ chunkId: c.id, vector: known.get(c.hash)!, contentHash: c.hash });
  }
  // Documents are committed in groups of about VECTORS_PER_COMMIT vectors, each document whole.
  let group: TodoDoc[] = [];
  let rows: { chunkId: number; vector: Float32Array; contentHash: string }[] = [];
  for (const d of ok) {
    const own = rowsOf.get(d.id) ?? [];
    if (group.length && rows.length + own.length > VECTORS_PER_COMMIT) {
      if (turns.due()) await turns.take();
      await docs.commit(model, rows, group);
      group = [];
      rows = [];
    }
    group.push(d);
    rows.push(...own);
  }
  if (group.length) {
    if (turns.due()) await turns.take();
    await docs.commit(model, rows, group);
  }
  return { hits: chunks.length - missing.size, misses: missing.size };
}

/** Embeds the texts the cache lacks (and caches them); an input the server refuses fails its document only. */
async function embedMissing(
  { target, batch, signal, docs, vectors }: StepInput,
  missing: Map<string, string>,
  chunks: TodoChunk[],
  failedDocs: Set<number>,
  turns: Turns,
): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  const put = async (hashes: string[], vs: Float32Array[]) => {
    hashes.forEach((h, i) => out.set(h, vs[i]));
    for (let i = 0; i < hashes.length; i += VECTORS_PER_COMMIT) {
      if (turns.due()) await turns.take();
      await vectors.cache(target.id, hashes.slice(i, i + VECTORS_PER_COMMIT).map((h, j) => ({ contentHash: h, vector: vs[i + j] })));
    }
  };
  const hashes = [...missing.keys()];
  try {
    await put(hashes, await target.embed(hashes.map((h) => missing.get(h)!), { kind: 'document', signal }));
    return out;
  } catch (err) {
    if (signal.aborted || isEmbedderWide(err)) throw err;
  }
  // One of the inputs was refused: find which document by embedding each on its own.
  for (const d of batch) {
    const own = [...new Set(chunks.filter((c) => c.docId === d.id).map((c) => c.hash))].filter((h) => missing.has(h) && !out.has(h));
    if (!own.length) continue;
    try {
      await put(own, await target.embed(own.map((h) => missing.get(h)!), { kind: 'document', signal }));
    } catch (err) {
      if (signal.aborted || isEmbedderWide(err)) throw err;
      failedDocs.add(d.id);
      await docs.markFailed(d, `could not be embedded: ${errorMessage(err)}`);
    }
  }
  return out;
}
