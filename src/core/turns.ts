/**
 * Long loops on a thread that other work shares (the editor's extension host) give it a turn of
 * the event loop every few milliseconds of work, measured rather than counted: the same loop
 * takes 5 ms on an idle machine and 50 ms on a busy one.
 *
 *   const turns = new Turns();
 *   for (const x of many) { if (turns.due()) await turns.take(); ... }
 */
/**
 * Pieces waiting for their turn, across every loop of the thread: one is let go per turn of the
 * event loop. Each loop timing only itself, two searches' pieces (a keyword range of 20 ms, a
 * vector rescoring of 15 ms) ran back to back in one turn, a 55 ms stall made of two short pieces.
 */
const waiting: (() => void)[] = [];

/**
 * When the piece running now began: the last time a loop was let go, for every loop. A loop that
 * starts in the middle of another's piece (a search's second ranking after its first) counts the
 * time already spent, instead of starting a fresh budget of its own on top of it.
 */
let pieceStart = performance.now();

function releaseOne(): void {
  waiting.shift()?.();
  if (waiting.length) setImmediate(releaseOne); // the next turn of the loop, after its timers and I/O
}

export class Turns {
  constructor(private readonly budgetMs = 8) {}

  /** Whether the piece running now has had its time. */
  due(): boolean {
    return performance.now() - pieceStart >= this.budgetMs;
  }

  /** Lets everything waiting run (timers, I/O callbacks, other loops' pieces), then starts a new piece. */
  async take(): Promise<void> {
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length === 1) setImmediate(releaseOne);
    });
    pieceStart = performance.now();
  }
}
