import path from 'node:path';
import { chokidarEvents } from './chokidarEvents';
import type { FileFilter } from './files';
import { toRelative } from './files';

/** File events flowing from a watcher over the root: changed paths (absolute), until closed. */
export interface FileEvents {
  /** Resolves once events flow. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Where file events come from: chokidar by default; a host may give its own (VS Code's file
 * watcher, which honours files.watcherExclude and adds no second watch tree). It reports every
 * added, changed or deleted path that may matter (markdown files, folders, .gitignore files).
 */
export type FileEventSource = (filter: FileFilter, changed: (abs: string) => void, opts: WatchOptions) => FileEvents;

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
  /** The file events to use (default: chokidar's watch of the root). */
  source?: FileEventSource;
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
  private readonly events: FileEvents;
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
    this.events = (opts.source ?? chokidarEvents)(filter, (abs) => this.record(abs), opts);
    this.ready = this.events.ready;
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
    await this.events.close();
  }
}
