/**
 * Retrieval-quality evaluation through the real pipeline: documents written as markdown files,
 * indexed by Lore (parse, chunk, full-text index, embeddings when an embedder is configured),
 * every query run through `search()`, results mapped back to documents and scored; plain FTS5
 * BM25 on the same documents in the same run as the baseline. Used by `lore eval` and the
 * `quality` bench section.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EmbedderSettings } from '../embed/types';
import { throwIfAborted } from '../errors';
import type { SearchMode, SearchOptions } from '../search/types';
import { createLore, type LoreInit } from '../service';
import { PlainBm25 } from '../storage/sqlite/plainBm25';
import { type Metrics, relevantInTop, scoreRun } from './metrics';

export interface EvalSet {
  /** What is searched: title and text per document (the baseline indexes exactly these). */
  docs: Array<{ id: string; title: string; text: string }>;
  /** `fromPath`: the document the query is asked from (the search's current document), when the set has one. */
  queries: Array<{ id: string; text: string; fromPath?: string }>;
  qrels: Map<string, Map<string, number>>;
  /** The markdown folder Lore indexes, and which document each file is. */
  root: string;
  docOfPath: (relPath: string) => string | undefined;
}

export interface SystemResult extends Metrics {
  system: string;
  queries: number;
  p50Ms: number;
  p95Ms: number;
  /** Relevant documents in the top 10, summed over the queries. */
  relevantTop10: number;
  /** Why the mode used was not the mode asked for (semantic search could not answer), if it was not. */
  fallback?: string;
  /** How many queries were answered in another mode than the one asked for. */
  fallbackQueries?: number;
  /** Query id -> ranked document ids (up to `depth`). */
  runs: Map<string, string[]>;
  /** Query id -> its metrics. */
  perQuery: Map<string, Metrics>;
}

export interface EvalProgress {
  phase: 'indexing' | 'embedding' | 'searching';
  done: number;
  total: number;
  /** The system searched (searching). */
  system?: string;
}

export interface EvalOptions {
  modes?: SearchMode[];
  embedder?: EmbedderSettings | null;
  /** Where the index goes (default: a temp folder, removed afterwards). */
  dbPath?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Called as work advances (often: throttle what it prints). */
  onProgress?: (p: EvalProgress) => void;
  /** Results asked of search() per query (default 100: recall@100 needs them). */
  depth?: number;
  /** More options for Lore's searches (e.g. `names: false` to measure a ranking without names first). */
  search?: Pick<SearchOptions, 'names' | 'groupTranslations' | 'linkPrior'>;
  /**
   * More systems on the same index: each mode again with these options added (system
   * `Lore <mode>, <name>`), e.g. the link prior at several weights without indexing again.
   */
  variants?: Array<{ name: string; search: Pick<SearchOptions, 'names' | 'groupTranslations' | 'linkPrior'> }>;
  /** The backend Lore's index is on (default: SQLite at dbPath); the baseline is SQLite FTS5 in every case. */
  storage?: Pick<LoreInit, 'backend' | 'postgres'>;
}

export interface EvalReport {
  documents: number;
  chunks: number;
  /** Indexing (and embedding, when an embedder is configured) wall time. */
  indexMs: number;
  /** The embedder's state once embedding finished (absent: keyword only). */
  embedder?: { id: string; state: string; dimensions?: number; reason?: string; pendingDocuments: number };
  systems: SystemResult[];
}

export function percentileOf(values: number[], p: number): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function summarise(system: string, runs: Map<string, string[]>, times: number[], set: EvalSet, fallback?: string, fallbackQueries = 0): SystemResult {
  const m = scoreRun(runs, set.qrels);
  let relevantTop10 = 0;
  for (const [qid, ranked] of runs) relevantTop10 += relevantInTop(ranked, set.qrels.get(qid) ?? new Map());
  return {
    system, ndcg10: m.ndcg10, mrr10: m.mrr10, recall10: m.recall10, recall100: m.recall100, queries: runs.size,
    p50Ms: percentileOf(times, 50), p95Ms: percentileOf(times, 95), relevantTop10, runs, perQuery: m.perQuery, ...(fallback ? { fallback, fallbackQueries } : {}),
  };
}

export async function evaluate(set: EvalSet, opts: EvalOptions = {}): Promise<EvalReport> {
  const log = opts.log ?? (() => {});
  const progress = opts.onProgress;
  const depth = opts.depth ?? 100;
  const tmp = opts.dbPath ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'lore-eval-'));
  const dbPath = opts.dbPath ?? path.join(tmp!, 'index.db');
  const modes = opts.modes ?? (opts.embedder ? ['keyword', 'semantic', 'hybrid'] : ['keyword']);
  const systems: SystemResult[] = [];
  const lore = await createLore({ root: set.root, dbPath, embedder: opts.embedder ?? null, embedding: { background: true }, ...opts.storage });
  try {
    const t0 = performance.now();
    log(`indexing ${set.docs.length} documents from ${set.root}`);
    await lore.index({ signal: opts.signal, onProgress: progress && ((p) => p.phase === 'indexing' && progress({ phase: 'indexing', done: p.done, total: p.total })) });
    if (opts.embedder) {
      log('embedding (waiting for the queue to finish)');
      const off = progress
        ? lore.onStatusChange(() => {
            void lore.status().then(({ embedder: e }) => {
              if (e.progress) progress({ phase: 'embedding', done: e.progress.done, total: e.progress.total });
            });
          })
        : undefined;
      try {
        await lore.embeddingIdle(opts.signal);
      } finally {
        off?.();
      }
    }
    throwIfAborted(opts.signal);
    const indexMs = performance.now() - t0;
    const status = await lore.status();
    const embedder = opts.embedder
      ? {
          id: `${opts.embedder.provider}:${status.embedder.model ?? opts.embedder.model ?? '?'}`,
          state: status.embedder.state,
          ...(status.embedder.dimensions ? { dimensions: status.embedder.dimensions } : {}),
          ...(status.embedder.reason ? { reason: status.embedder.reason } : {}),
          pendingDocuments: status.queue.pending,
        }
      : undefined;
    if (embedder && (embedder.state !== 'live' || embedder.pendingDocuments > 0)) {
      log(`embedder ${embedder.id} is ${embedder.state}${embedder.reason ? ` (${embedder.reason})` : ''}; ${embedder.pendingDocuments} document(s) have no vectors`);
    }

    const baseline = new PlainBm25(set.docs);
    try {
      const runs = new Map<string, string[]>();
      const times: number[] = [];
      for (const [i, q] of set.queries.entries()) {
        if (i % 50 === 0) throwIfAborted(opts.signal);
        const s = performance.now();
        runs.set(q.id, baseline.search(q.text, depth));
        times.push(performance.now() - s);
      }
      systems.push(summarise('plain FTS5 BM25', runs, times, set));
    } finally {
      baseline.close();
    }

    const systemsToRun = [{ name: '', search: opts.search }, ...(opts.variants ?? []).map((v) => ({ name: v.name, search: { ...opts.search, ...v.search } }))];
    for (const variant of systemsToRun) for (const mode of modes) {
      throwIfAborted(opts.signal);
      const system = `Lore ${mode}${variant.name ? `, ${variant.name}` : ''}`;
      log(`searching: ${set.queries.length} queries, ${system}`);
      const runs = new Map<string, string[]>();
      const times: number[] = [];
      let fallback: string | undefined;
      let fallbackQueries = 0;
      for (const [i, q] of set.queries.entries()) {
        throwIfAborted(opts.signal);
        progress?.({ phase: 'searching', done: i, total: set.queries.length, system });
        const s = performance.now();
        const r = await lore.search(q.text, { ...variant.search, ...(q.fromPath ? { fromPath: q.fromPath } : {}), k: depth, mode, signal: opts.signal });
        times.push(performance.now() - s);
        if (r.mode !== mode) {
          fallback ??= r.fallbackReason ?? `mode used: ${r.mode}`;
          fallbackQueries++;
          log(`query ${q.id} (${mode}) answered in ${r.mode}: ${r.fallbackReason ?? '?'}`);
        }
        const ids: string[] = [];
        for (const hit of r.results) {
          const id = set.docOfPath(hit.path);
          if (id !== undefined && !ids.includes(id)) ids.push(id);
        }
        runs.set(q.id, ids);
      }
      systems.push(summarise(system, runs, times, set, fallback, fallbackQueries));
    }
    return { documents: status.documents, chunks: status.chunks, indexMs, ...(embedder ? { embedder } : {}), systems };
  } finally {
    await lore.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}
