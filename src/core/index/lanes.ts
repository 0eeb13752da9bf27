/**
 * Index runs over one store, ordered by what they touch: a run waits for every earlier run whose
 * scope overlaps its own (a full pass overlaps everything) and starts at once beside the others.
 * So a watcher batch for one file is not held up behind another file's slow parse, while two runs
 * over the same path still happen in the order they were asked for.
 */

/** Workspace-relative paths (files or folders); undefined: the whole folder. */
export type Scope = readonly string[] | undefined;

/** Whether the path (file or folder) `a` holds `b` ('' holds everything). */
export function covers(a: string, b: string): boolean {
  return a === '' || a === b || b.startsWith(a + '/');
}

export function overlaps(a: Scope, b: Scope): boolean {
  if (!a || !b) return true;
  return a.some((p) => b.some((q) => covers(p, q) || covers(q, p)));
}

export class RunLanes {
  private readonly runs = new Set<{ scope: Scope; done: Promise<unknown> }>();

  /** Runs `fn` once every earlier overlapping run has ended (however it ended). */
  run<T>(scope: Scope, fn: () => Promise<T>): Promise<T> {
    const before = [...this.runs].filter((r) => overlaps(r.scope, scope)).map((r) => r.done);
    const result = Promise.all(before).then(fn);
    const entry = { scope, done: result.catch(() => undefined) };
    this.runs.add(entry);
    void entry.done.then(() => this.runs.delete(entry));
    return result;
  }

  /** Whether a run is under way or waiting. */
  get busy(): boolean {
    return this.runs.size > 0;
  }

  /** Resolves when every run asked for so far has ended. */
  async idle(): Promise<void> {
    while (this.runs.size) await Promise.all([...this.runs].map((r) => r.done));
  }
}
