import { errorMessage } from './errors';

/** Listeners of "something changed" that a store fires after its writes; one listener's failure is reported and the others still hear. */
export class ChangeListeners {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly what: string, private readonly warn?: (message: string) => void) {}

  add(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fire(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        // A listener's failure is its own; the write is done.
        this.warn?.(`a ${this.what} listener failed: ${errorMessage(err)}`);
      }
    }
  }
}
