/**
 * The progress of the index runs under way, as one (a first pass and watcher batches may run side
 * by side): what status, the status bar, the views and every progress listener show, so that they
 * never disagree.
 */
import type { IndexProgress } from './reconcile';

export class RunProgress {
  private readonly runs = new Map<symbol, IndexProgress>();

  /** Records a run's progress (its 'done' ends it) and returns the progress of all runs as one. */
  update(run: symbol, p: IndexProgress): IndexProgress {
    if (p.phase === 'done') this.runs.delete(run);
    else this.runs.set(run, p);
    return this.current ?? p;
  }

  end(run: symbol): void {
    this.runs.delete(run);
  }

  /** null when no run is under way. */
  get current(): IndexProgress | null {
    if (!this.runs.size) return null;
    let done = 0;
    let total = 0;
    let phase: IndexProgress['phase'] = 'scanning';
    let current: string | undefined;
    for (const p of this.runs.values()) {
      done += p.done;
      total += p.total;
      if (p.phase === 'indexing') phase = 'indexing';
      current = p.current ?? current;
    }
    return { phase, done, total, ...(current ? { current } : {}) };
  }
}
