/**
 * Long loops on a thread that other work shares (the editor's extension host) give it a turn of
 * the event loop every few milliseconds of work, measured rather than counted: the same loop
 * takes 5 ms on an idle machine and 50 ms on a busy one.
 *
 *   const turns = new Turns();
 *   for (const x of many) { if (turns.due()) await turns.take(); ... }
 */
export class Turns {
  private last = performance.now();

  constructor(private readonly budgetMs = 8) {}

  /** Whether this piece of work has had its time. */
  due(): boolean {
    return performance.now() - this.last >= this.budgetMs;
  }

  /** Lets everything waiting run (timers, I/O callbacks), then starts a new piece. */
  async take(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
