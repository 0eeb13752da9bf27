/**
 * The team index with the local index behind it: one Storage that answers from the PostgreSQL
 * server while it is reachable and from the local SQLite index while it is not, and goes back to
 * the server once a probe finds it again. Nothing is lost in either direction: the markdown is the
 * source of both indexes (a switch makes the engine run a full pass into the index it now uses),
 * and the user's own data (session history, memory) is the one local file both share.
 *
 * A call that fails because the server went away is answered by the local index when it carries
 * nothing of the server's (a search, a count, a path); one that carries the server's row ids (a
 * batch of writes, an embedding commit) fails as transient instead, and the next run redoes it.
 */
import { errorMessage, LoreError } from '../errors';
import type { DocumentStore } from './documents';
import type { KeywordIndex } from './keyword';
import type { LinkIndex } from './links';
import type { UserData } from './userData';
import type { Recovery, Storage, StorageInfo, TeamStatus, ValidationReport } from './storage';
import type { EmbeddingQueue, VectorIndex } from './vectors';
import { describePgError, isConnectionLoss, safeUrl } from './postgres/connect';
import type { PgStorage } from './postgres/storage';

export interface FailoverOptions {
  url: string;
  project: string;
  /** Opens the team index (migrating it): rejects when the server cannot be reached or refuses. */
  openServer: () => Promise<PgStorage>;
  /** Opens the local index (sharing `userData`). */
  openLocal: () => Storage;
  /** The user data both indexes share; closed with this storage when `closeUserData`. */
  userData: UserData;
  closeUserData: boolean;
  /** Where the local index is (opened only once the server cannot be used). */
  localPath: string;
  readonly?: boolean;
  /** How often an unreachable server is tried again (default 15 s). */
  probeMs?: number;
  warn?: (message: string) => void;
}

/** How long a health reading of the server is shown before it is asked again. */
const HEALTH_MS = 5_000;

/** Calls whose arguments carry the row ids of the index they were read from: never retried on the other index. */
const BOUND_TO_ONE_INDEX = new Set(['apply', 'explainTerms', 'fused', 'chunks', 'commit', 'markFailed']);

export class FailoverStorage implements Storage {
  readonly shared = true;
  readonly readonly: boolean;
  readonly documents: DocumentStore;
  readonly keyword: KeywordIndex;
  readonly links: LinkIndex;
  readonly vectors: VectorIndex;
  readonly embeddingQueue: EmbeddingQueue;
  private server: PgStorage | undefined;
  private local: Storage | undefined;
  private state: TeamStatus['state'];
  private reason: string | undefined;
  private since = Date.now();
  private probeTimer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();
  private closed = false;
  private health: { at: number; value: Promise<NonNullable<TeamStatus['health']>> } | undefined;
  /** Counts switches between the indexes; what a read returned is tagged with the one it came from. */
  private generation = 0;
  private readonly origin = new WeakMap<object, number>();

  private constructor(private readonly opts: FailoverOptions) {
    this.state = 'connecting';
    this.readonly = !!opts.readonly;
    this.documents = this.view((s) => s.documents, { isTransient: (err: unknown) => isTeamUnreachable(err) || this.current.documents.isTransient(err) });
    this.keyword = this.view((s) => s.keyword);
    this.vectors = this.view((s) => s.vectors);
    this.embeddingQueue = this.view((s) => s.embeddingQueue);
    this.links = this.view((s) => s.links);
  }

  /** The server when it answers, else the local index (trying the server again every probeMs). */
  static async open(opts: FailoverOptions): Promise<FailoverStorage> {
    const s = new FailoverStorage(opts);
    try {
      s.server = await opts.openServer();
      s.state = 'connected';
    } catch (err) {
      if (!isServerProblem(err)) throw err;
      s.useLocal(reasonOf(err, opts.url));
    }
    return s;
  }

  private get current(): Storage {
    if (this.closed) throw new LoreError('BAD_INPUT', 'This Lore index is closed.');
    return this.state === 'connected' ? this.server! : this.local!;
  }

  get location(): string {
    return this.current.location;
  }

  get userDataLocation(): string {
    return this.opts.userData.path;
  }

  get recovered(): Recovery | undefined {
    return this.current.recovered;
  }

  get sessions() {
    return this.opts.userData.sessions;
  }

  get memory() {
    return this.opts.userData.memory;
  }

  /** Which index answers, and why. */
  async team(): Promise<TeamStatus> {
    const health = this.state === 'connected' ? await this.serverHealth() : undefined;
    return {
      server: safeUrl(this.opts.url),
      project: this.opts.project,
      using: this.state === 'connected' ? 'postgres' : 'sqlite',
      state: this.state,
      since: this.since,
      local: this.local?.location ?? this.opts.localPath,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(health ? { health } : {}),
    };
  }

  /**
   * The server's health, asked at most every HEALTH_MS: status is read on every change the hosts
   * show (each indexing batch), and one round trip per read would compete with the writes.
   */
  private async serverHealth(): Promise<NonNullable<TeamStatus['health']>> {
    const now = Date.now();
    if (!this.health || now - this.health.at > HEALTH_MS) this.health = { at: now, value: this.server!.health() };
    return this.health.value;
  }

  /** Called when the index in use changes (to the local one, or back to the server). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tries the server now (a probe runs every probeMs while it is unreachable). Resolves once switched back, or not. */
  reconnect(): Promise<void> {
    if (this.state === 'connected' || this.closed) return Promise.resolve();
    return (this.probing ??= this.probe().finally(() => (this.probing = undefined)));
  }

  info(): Promise<StorageInfo> {
    return this.call((s) => s.info(), true);
  }

  isDamage(err: unknown): boolean {
    return this.current.isDamage(err);
  }

  check(): Promise<string[]> {
    return this.call((s) => s.check(), true);
  }

  replaceDamaged(reason: string): Promise<Recovery> {
    return this.current.replaceDamaged(reason);
  }

  backup(opts?: { to?: string; index?: boolean }): Promise<{ userData: string; index?: string }> {
    return this.current.backup(opts);
  }

  restoreUserData(from: string): Promise<string> {
    return this.current.restoreUserData(from);
  }

  validate(): Promise<ValidationReport> {
    return this.call((s) => s.validate(), true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.listeners.clear();
    const errors: unknown[] = [];
    for (const s of [this.server, this.local]) await s?.close().catch((err) => errors.push(err));
    if (this.opts.closeUserData) this.opts.userData.close();
    if (errors.length) throw errors[0];
  }

  /** A view whose every call goes to the index in use (`own`: methods answered here instead). */
  private view<T extends object>(pick: (s: Storage) => T, own: Record<string, unknown> = {}): T {
    return new Proxy({} as T, {
      get: (_, key: string) => {
        if (key in own) return own[key];
        const v = (pick(this.current) as Record<string, unknown>)[key];
        if (typeof v !== 'function') return v;
        const bound = BOUND_TO_ONE_INDEX.has(key);
        return (...args: unknown[]) => {
          // Rows read from the other index (before a switch) must not be written into this one: their ids mean other rows here.
          if (bound && args.some((a) => this.fromOtherIndex(a))) return Promise.reject(this.unreachable());
          return this.call((s) => (pick(s) as Record<string, (...a: unknown[]) => Promise<unknown>>)[key](...args), !bound);
        };
      },
      has: (_, key: string) => key in own || key in pick(this.current),
    });
  }

  private async call<R>(fn: (s: Storage) => Promise<R>, retryLocally: boolean): Promise<R> {
    const s = this.current;
    try {
      return this.tag(await fn(s));
    } catch (err) {
      if (s !== this.server || this.state !== 'connected' || !isConnectionLoss(err)) throw err;
      this.useLocal(reasonOf(err, this.opts.url));
      if (retryLocally) return this.tag(await fn(this.current));
      throw this.unreachable(err);
    }
  }

  private unreachable(cause?: unknown): LoreError {
    const where = this.state === 'connected' ? 'the team index' : 'the local index';
    return new LoreError('DB_WRITE', `team index unreachable: ${this.reason ?? 'it went away and came back'}; the change is made in ${where} by the next run.`, cause ? { cause } : undefined);
  }

  private tag<R>(result: R): R {
    if (Array.isArray(result)) {
      for (const r of result) if (r && typeof r === 'object') this.origin.set(r, this.generation);
    } else if (result && typeof result === 'object') this.origin.set(result, this.generation);
    return result;
  }

  /** An argument (or an element of it, or a write's file) that was read before the last switch. */
  private fromOtherIndex(arg: unknown): boolean {
    const items = Array.isArray(arg) ? arg : [arg];
    return items.some((x) => {
      if (!x || typeof x !== 'object') return false;
      const own = this.origin.get(x);
      const file = (x as { file?: object }).file;
      const ofFile = file && typeof file === 'object' ? this.origin.get(file) : undefined;
      return (own !== undefined && own !== this.generation) || (ofFile !== undefined && ofFile !== this.generation);
    });
  }

  private useLocal(reason: string): void {
    try {
      this.local ??= this.opts.openLocal();
    } catch (err) {
      throw new LoreError('DB_OPEN', `team index unreachable: ${reason}; and the local index at ${this.opts.localPath} cannot be used either (${errorMessage(err)}).`, { cause: err });
    }
    const was = this.state;
    if (was === 'connected') this.generation++;
    this.health = undefined;
    this.state = 'unreachable';
    this.reason = reason;
    this.since = Date.now();
    this.opts.warn?.(`team index unreachable: ${reason}; working on the local index at ${this.local.location} until it is back`);
    this.scheduleProbe();
    if (was === 'connected') this.emit();
  }

  private scheduleProbe(): void {
    clearTimeout(this.probeTimer);
    if (this.closed) return;
    this.probeTimer = setTimeout(() => void this.reconnect(), this.opts.probeMs ?? 15_000);
    this.probeTimer.unref?.();
  }

  private async probe(): Promise<void> {
    try {
      if (!this.server) this.server = await this.opts.openServer();
      else if (!(await this.server.health()).reachable) throw new LoreError('DB_OPEN', 'the server does not answer yet');
    } catch (err) {
      if (this.closed) return;
      const reason = reasonOf(err, this.opts.url);
      if (reason !== this.reason) {
        this.reason = reason;
        this.emit();
      }
      this.scheduleProbe();
      return;
    }
    if (this.closed) return;
    this.generation++;
    this.health = undefined;
    this.state = 'connected';
    this.reason = undefined;
    this.since = Date.now();
    this.opts.warn?.(`the team index at ${safeUrl(this.opts.url)} is reachable again: back on it`);
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.opts.warn?.(`a listener of the team index failed: ${errorMessage(err)}`);
      }
    }
  }
}

/** The server could not be used at all (down, unreachable, refused the login, a bad URL is not one). */
function isServerProblem(err: unknown): boolean {
  const code = (err as LoreError)?.code;
  return code === 'DB_OPEN' || code === 'SCHEMA_TOO_NEW' || isConnectionLoss(err);
}

function isTeamUnreachable(err: unknown): boolean {
  return err instanceof LoreError && err.code === 'DB_WRITE' && /^team index unreachable/.test(err.message);
}

function reasonOf(err: unknown, url: string): string {
  return err instanceof LoreError ? err.message : describePgError(err, url);
}
