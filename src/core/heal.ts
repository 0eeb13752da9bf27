/**
 * Self-healing of a damaged index: found by a read, a write or the page check, the file is set
 * aside and the folder indexed afresh from its markdown, once at a time. Damage again within a
 * minute (a failing disk) is reported in words that say what to do instead of looping. Session
 * history lives in its own file and is not touched.
 */
import { errorMessage, LoreError } from './errors';
import type { RunLanes } from './index/lanes';
import type { ReconcileSummary } from './index/reconcile';
import type { Logger } from './types';
import type { Storage } from './storage/storage';

/** How soon after one repair damage is reported instead of repaired again. */
const REPEAT_MS = 60_000;

export interface Healing {
  /** The damaged file is aside and an empty index in its place. */
  replaced: Promise<void>;
  /** The folder is indexed again. */
  rebuilt: Promise<ReconcileSummary>;
}

export interface HealerHost {
  storage: Storage;
  lanes: RunLanes;
  readonly: boolean;
  logger?: Logger;
  /** Stops work on the index that is about to be replaced (embedding) and waits for it. */
  halt(): Promise<void>;
  /** Indexes the whole folder (without healing again). */
  reindex(): Promise<ReconcileSummary>;
  changed(): void;
}

export class Healer {
  private healing: Healing | undefined;
  private lastAt = 0;
  closed = false;

  constructor(private readonly host: HealerHost) {}

  /** Heals the damage `err` says (joining a repair under way); rejects with `err` itself when it is not damage. */
  heal(err: unknown, reason = errorMessage(err)): Healing {
    if (this.healing) return this.healing;
    const { storage, lanes } = this.host;
    if (!storage.isDamage(err) || this.closed) return refused(err);
    if (this.host.readonly || Date.now() - this.lastAt < REPEAT_MS) return refused(this.explain(err));
    this.lastAt = Date.now();
    const replaced = lanes.run(undefined, async () => {
      await this.host.halt();
      await storage.replaceDamaged(reason);
      this.host.changed();
    });
    const rebuilt = replaced.then(() => this.host.reindex());
    const healing = (this.healing = { replaced, rebuilt });
    rebuilt.then(
      () => (this.healing = undefined),
      (e) => {
        this.healing = undefined;
        this.host.logger?.warn(`the index could not be rebuilt after it was found damaged: ${errorMessage(e)}`);
      },
    );
    return healing;
  }

  /** Damage the page check found (problems in SQLite's words). */
  healChecked(problems: string[]): Healing {
    const reason = problems.join('; ');
    return this.heal(Object.assign(new Error(reason), { code: 'SQLITE_CORRUPT' }), reason);
  }

  /** A damaged index file, in words that say what to do; any other error as it is. */
  explain(err: unknown): unknown {
    if (!this.host.storage.isDamage(err)) return err;
    return new LoreError('DB_OPEN', `The index at ${this.host.storage.location} is damaged (${errorMessage(err)}). Run \`lore index <dir>\`: it checks the file, sets a damaged one aside and rebuilds the index from the markdown; session history is kept.`, { cause: err });
  }
}

function refused(err: unknown): Healing {
  const p = Promise.reject(err);
  return { replaced: p as Promise<never>, rebuilt: p as Promise<never> };
}
