/** An error meant for the user: its message says what happened and what to do. */
export class LoreError extends Error {
  constructor(
    readonly code: LoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LoreError';
  }
}

export type LoreErrorCode =
  | 'SCHEMA_TOO_NEW' // the database was written by a newer Lore
  | 'DB_OPEN' // the database file cannot be opened or is not a Lore database
  | 'DB_WRITE' // the index could not be written (disk full, busy, I/O): consistent, the next run finishes
  | 'NATIVE_MODULE' // better-sqlite3 could not load in this runtime
  | 'ABORTED' // the caller cancelled
  | 'BAD_INPUT' // a caller passed something unusable (bad glob, bad option)
  | 'VECTORS_UNAVAILABLE'; // sqlite-vec is not loaded: semantic search cannot run, keyword search can

export function abortError(): LoreError {
  return new LoreError('ABORTED', 'Cancelled.');
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError();
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
