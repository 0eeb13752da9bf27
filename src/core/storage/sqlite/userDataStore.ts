import type { Database, Statement } from 'better-sqlite3';
import { LoreError } from '../../errors';
import { ChangeListeners } from '../../listeners';

export interface UserDataStoreOptions {
  readonly?: boolean;
  warn?: (message: string) => void;
}

/**
 * What the stores of the user-data file share (session history, memory): the connection and the
 * clock, cached statements, change listeners, and refusing writes on a read-only connection.
 */
export abstract class UserDataStore {
  private readonly stmts = new Map<string, Statement>();
  private readonly listeners: ChangeListeners;

  constructor(
    protected readonly db: Database,
    protected readonly clock: () => number,
    private readonly opts: UserDataStoreOptions,
    /** What the store holds, for messages ("Session history", "Memory"). */
    private readonly what: string,
  ) {
    this.listeners = new ChangeListeners(what.toLowerCase(), opts.warn);
  }

  get readonly(): boolean {
    return this.db.readonly || !!this.opts.readonly;
  }

  /** Called after every write that changed something (views refresh from this). */
  onDidChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  /** Tells the listeners that the data changed under this store (restored from a backup). */
  changedElsewhere(): void {
    this.changed();
  }

  protected changed(): void {
    this.listeners.fire();
  }

  protected warn(message: string): void {
    this.opts.warn?.(message);
  }

  protected writable(): void {
    if (this.readonly) throw new LoreError('BAD_INPUT', `${this.what} is read-only here: this Lore index was opened read-only (another process owns it).`);
  }

  protected stmt(key: string, sql: string): Statement {
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(sql)));
    return s;
  }
}
