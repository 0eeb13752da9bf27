import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { FileFilter } from './files';
import { toRelative } from './files';

export interface WatchOptions {
  /** Quiet time after the last event before a batch is handed over (ms). */
  debounceMs?: number;
  /** A steady stream of events still yields a batch at least this often (ms). */
  maxWaitMs?: number;
  /** chokidar's awaitWriteFinish stability threshold (ms). */
  writeSettleMs?: number;
  /** Use polling (network drives, some containers). */
  usePolling?: boolean;
  /** First wait before files that failed for a passing reason (disk full, busy) are tried again (ms). */
  retryMs?: number;
}

export interface WatchBatch {
  /** Workspace-relative paths that were added, changed or removed (files or folders). */
  paths: string[];
  /** Whether a .gitignore changed (rules must be re-read, and the whole tree reconciled). */
  gitignoreChanged: boolean;
}

/**
 * Watches a root for markdown changes and hands over coalesced batches: a burst of events (a branch
 * switch touching a thousand files) becomes one batch, not a thousand runs. `onEvent` fires at once
 * for every changed path, so rows can be flagged stale before the batch is indexed.
 */
export class MarkdownWatcher {
  private readonly watcher: FSWatcher;
  private pending = new Set<string>();
  private gitignoreChanged = false;
  private timer: NodeJS.Timeout | undefined;
  private firstEventAt = 0;
  private closed = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly filter: FileFilter,
    private readonly onBatch: (batch: WatchBatch) => void,
    private readonly onEvent: (rel: string) => void = () => {},
    private readonly opts: WatchOptions = {},
  ) {
    const root = filter.root;
    this.watcher = watch(root, {
      ignoreInitial: true,
      persistent: true,
      usePolling: opts.usePolling ?? false,
      awaitWriteFinish: { stabilityThreshold: opts.writeSettleMs ?? 80, pollInterval: 20 },
      ignored: (abs, stats) => {
        const rel = toRelative(root, abs);
        if (rel === '' || rel.startsWith('..')) return false;
        if (path.basename(abs) === '.gitignore') return false;
        if (stats?.isDirectory()) return !filter.walksDir(rel);
        if (stats?.isFile()) return !filter.indexes(rel);
        // Not yet known whether file or folder: only rule out folders we never walk.
        return !filter.walksDir(rel) && !filter.indexes(rel);
      },
    });
    for (const event of ['add', 'change', 'unlink', 'unlinkDir'] as const) {
      this.watcher.on(event, (abs: string) => this.record(abs));
    }
    // chokidar reports nothing for a link that points nowhere (or loops), nor for its removal; the
    // raw event is enough to look at the path, so that the indexer lists it as skipped with the
    // reason, or drops it from that list (a path gone twice over is one entry in the batch).
    this.watcher.on('raw', (_event: string, name: unknown, details: unknown) => {
      const dir = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      if (typeof name !== 'string' || typeof dir !== 'string' || !name.endsWith('.md')) return;
      const abs = path.basename(dir) === name ? dir : path.join(dir, name);
      const rel = toRelative(root, abs);
      if (rel.startsWith('..') || !filter.indexes(rel)) return;
      fs.lstat(abs, (err, st) => {
        if (err) this.record(abs);
        else if (st.isSymbolicLink()) fs.stat(abs, (broken) => broken && this.record(abs));
      });
    });
    this.ready = new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  private record(abs: string): void {
    if (this.closed) return;
    const rel = toRelative(this.filter.root, abs);
    if (path.basename(rel) === '.gitignore') {
      this.gitignoreChanged = true;
    } else {
      this.pending.add(rel);
      this.onEvent(rel);
    }
    const now = Date.now();
    if (!this.timer) this.firstEventAt = now;
    clearTimeout(this.timer);
    const wait = Math.min(this.opts.debounceMs ?? 100, Math.max(0, this.firstEventAt + (this.opts.maxWaitMs ?? 2000) - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Hands over what has gathered now (also used on close, so nothing is lost). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.size && !this.gitignoreChanged) return;
    const batch = { paths: [...this.pending].sort(), gitignoreChanged: this.gitignoreChanged };
    this.pending = new Set();
    this.gitignoreChanged = false;
    this.onBatch(batch);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.watcher.close();
  }
}
