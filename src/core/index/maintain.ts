/**
 * Keeping an index fresh, the one way every host does it: bring the index in line with the files,
 * then watch the folder and index changes as they settle, until told to stop.
 */
import { LoreError } from '../errors';
import type { IndexProgress, ReconcileOptions, ReconcileSummary } from './reconcile';
import type { WatchBatch, WatchOptions } from './watcher';

export interface WatchEvents {
  onBatch?: (batch: WatchBatch, summary: ReconcileSummary) => void;
  onError?: (err: unknown) => void;
}

export interface MaintainOptions extends WatchEvents {
  /** Ends maintenance: aborts the first pass, and stops watching once it has begun. */
  signal?: AbortSignal;
  /** Cancels only the first pass (a progress notification's Cancel); watching still begins. */
  cancelPass?: AbortSignal;
  /** Run the first pass (default true); false: only watch. */
  index?: boolean;
  onProgress?: (p: IndexProgress) => void;
  /** Files the first pass indexes before the rest (the editor's open files; see ReconcileOptions.first). */
  first?: readonly string[];
  /** After the first pass, before watching begins (the CLI prints its summary and waits for embedding here). */
  onIndexed?: (summary: ReconcileSummary) => void | Promise<void>;
  watch?: WatchOptions;
}

export interface Maintainable {
  index(opts: ReconcileOptions): Promise<ReconcileSummary>;
  /** Checks the index itself (and heals it when damaged): the problems found. */
  verify?(): Promise<string[]>;
  watch(events: WatchEvents, opts?: WatchOptions): Promise<void>;
  unwatch(): Promise<void>;
}

/** A signal aborted when any of `signals` is. */
function anyOf(signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((s): s is AbortSignal => !!s);
  return given.length > 1 ? AbortSignal.any(given) : given[0];
}

/**
 * Indexes (unless `index: false`), then watches. Resolves with the first pass's summary once
 * watching has begun; undefined when there was no pass, or it was cancelled with `cancelPass`.
 * Rejects when the pass fails, or with ABORTED when `signal` ended it (nothing is then watched).
 */
export async function maintain(target: Maintainable, opts: MaintainOptions = {}): Promise<ReconcileSummary | undefined> {
  const { signal } = opts;
  if (signal?.aborted) throw new LoreError('ABORTED', 'Stopped before indexing began.');
  let summary: ReconcileSummary | undefined;
  // The index file is checked beside the first pass (off this thread): a damaged one is rebuilt.
  void target.verify?.().catch((err) => opts.onError?.(err));
  if (opts.index !== false) {
    try {
      summary = await target.index({ signal: anyOf([signal, opts.cancelPass]), onProgress: opts.onProgress, first: opts.first });
    } catch (err) {
      const cancelledOnly = err instanceof LoreError && err.code === 'ABORTED' && opts.cancelPass?.aborted && !signal?.aborted;
      if (!cancelledOnly) throw err;
    }
    if (summary) await opts.onIndexed?.(summary);
  }
  if (signal?.aborted) throw new LoreError('ABORTED', 'Stopped before watching began.');
  await target.watch({ onBatch: opts.onBatch, onError: opts.onError }, opts.watch);
  signal?.addEventListener('abort', () => void target.unwatch().catch((err) => opts.onError?.(err)), { once: true });
  return summary;
}
