import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { ReconcileOptions, ReconcileSummary } from '../core/index/reconcile';
import { createLore, type Lore, type LoreInit } from '../core/service';
import type { SearchOptions } from '../core/search/types';
import { openUserData, type UserData, USER_DATA_FILE } from '../core/storage/open';
import type { SessionStore } from '../core/storage/sessions';
import type { MemoryStore } from '../core/storage/memory';
import type { Recovery } from '../core/storage/storage';
import { embedderSettings, engineConfig, readConfig, teamSettings } from './config';
import { vscodeFileEvents } from './fileEvents';
import { openFilesIn } from './openFiles';
import type { FolderStatus, LoreAccess, MergedSearchResponse } from './loreAccess';
import { mergeResponses } from './mergeSearch';
import { STILL_OPENING } from './loreAccess';

interface Entry {
  folder: vscode.WorkspaceFolder;
  lore?: Lore;
  error?: Error;
  opening: Promise<void>;
  /** Created this run (no index file before): its first indexing is shown as a notification. */
  fresh: boolean;
  unsubscribe: (() => void)[];
}

export interface LoreWorkspaceOptions {
  /** Where index files live (the extension's workspace storage), never the user's folder. */
  storageDir: string;
  /** Called once per folder after it opens (startup indexing, watching). */
  onOpened?: (folder: vscode.WorkspaceFolder, lore: Lore, fresh: boolean) => void;
  /** Called once with the first error that keeps an index from opening. */
  onOpenError?: (err: Error) => void;
  /** Called once for each time a folder's index was found damaged, set aside and rebuilt from the markdown. */
  onRepaired?: (folder: vscode.WorkspaceFolder, recovery: Recovery) => void;
  log?: (line: string) => void;
  /** Opens one index (default createLore; tests pass one that fails like a missing native module). */
  create?: (init: LoreInit) => Promise<Lore>;
}

/** The per-folder index file's name: readable folder name + hash of its URI (two folders never share one). */
export function indexFileName(folder: vscode.WorkspaceFolder): string {
  const slug = folder.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'folder';
  return `${slug}-${createHash('sha256').update(folder.uri.toString()).digest('hex').slice(0, 10)}.db`;
}

/** One Lore per workspace folder, opened after activation; implements LoreAccess for everything else. */
export class LoreWorkspace implements LoreAccess, vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private fireTimer: NodeJS.Timeout | undefined;
  private lastFire = 0;
  private disposed = false;
  private paused = false;
  private readonly runs = new Set<AbortController>();
  /** Whether openFolders has been called (the workspace's folders are known). */
  private started = false;
  /** When each folder's last repair that was reported happened. */
  private readonly repairsReported = new Map<string, number>();
  private readonly sessionsChanged = new vscode.EventEmitter<void>();
  /** Fires (within 100 ms, coalesced) after session history changed. */
  readonly onDidChangeSessions = this.sessionsChanged.event;
  private sessionsTimer: NodeJS.Timeout | undefined;
  private readonly memoryChanged = new vscode.EventEmitter<void>();
  /** Fires after a memory was written here (remembered, forgotten, restored, imported). */
  readonly onDidChangeMemory = this.memoryChanged.event;
  /** The workspace's session history (one file for every folder), opened with the first index. */
  private userData: UserData | undefined;
  private readonly life = new AbortController();
  /** Aborted when this workspace is disposed (deactivation): long waits end with it. */
  readonly lifetime: AbortSignal = this.life.signal;

  constructor(private readonly opts: LoreWorkspaceOptions) {}

  /** Opens an index for each folder (the database is created on first run). */
  openFolders(folders: readonly vscode.WorkspaceFolder[]): void {
    this.started = true;
    for (const f of folders) {
      if (f.uri.scheme === 'file') this.open(f);
      else this.opts.log?.(`${f.name} is not on disk (${f.uri.scheme}:); Lore indexes folders on disk only`);
    }
  }

  private open(folder: vscode.WorkspaceFolder, after: Promise<unknown> = Promise.resolve()): void {
    const key = folder.uri.toString();
    if (this.entries.has(key) || this.disposed) return;
    const entry: Entry = { folder, opening: Promise.resolve(), fresh: false, unsubscribe: [] };
    this.entries.set(key, entry);
    entry.opening = after.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.create(entry));
    entry.opening.catch(() => undefined);
  }

  private async create(entry: Entry): Promise<void> {
    if (this.disposed || this.entries.get(entry.folder.uri.toString()) !== entry) return;
    const dbPath = path.join(this.opts.storageDir, indexFileName(entry.folder));
    entry.fresh = !fs.existsSync(dbPath);
    const cfg = readConfig(entry.folder.uri);
    try {
      const init: LoreInit = {
        root: entry.folder.uri.fsPath,
        dbPath,
        userData: this.openUserData(),
        logger: { warn: (m) => this.opts.log?.(`${entry.folder.name}: ${m}`) },
        config: engineConfig(cfg),
        embedder: embedderSettings(cfg),
        ...teamSettings(cfg),
      };
      const lore = await (this.opts.create ?? createLore)(init);
      if (this.disposed || this.entries.get(entry.folder.uri.toString()) !== entry) {
        await lore.close();
        return;
      }
      entry.lore = lore;
      entry.error = undefined;
      entry.unsubscribe.push(lore.onProgress(() => this.fire()), lore.onStatusChange(() => this.fire()));
      this.opts.log?.(`opened the index of ${entry.folder.name} at ${dbPath}`);
      this.fire(true);
      this.opts.onOpened?.(entry.folder, lore, entry.fresh);
    } catch (err) {
      entry.error = err instanceof Error ? err : new Error(String(err));
      this.opts.log?.(`cannot open the index of ${entry.folder.name}: ${errorMessage(err)}`);
      this.opts.onOpenError?.(entry.error);
      this.fire(true);
      throw entry.error;
    }
  }

  /** Closes and forgets the index of a removed folder. */
  async closeFolder(folder: vscode.WorkspaceFolder): Promise<void> {
    const key = folder.uri.toString();
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    await this.closeEntry(entry);
    this.fire(true);
  }

  private async closeEntry(entry: Entry): Promise<void> {
    await entry.opening.catch(() => undefined);
    for (const u of entry.unsubscribe.splice(0)) u();
    const lore = entry.lore;
    entry.lore = undefined;
    await lore?.close().catch((err) => this.opts.log?.(`closing ${entry.folder.name}: ${errorMessage(err)}`));
  }

  /** Closes every index and opens it again (the file filter changed: include/exclude/max size). */
  async reopenAll(): Promise<void> {
    const old = [...this.entries.values()];
    this.entries.clear();
    // The new entries exist at once (so commands say "still opening"), and open once the old ones closed.
    for (const e of old) this.open(e.folder, this.closeEntry(e));
    this.fire(true);
    await this.ready().catch(() => undefined);
  }

  ready(): Promise<void> {
    const entries = [...this.entries.values()];
    return Promise.all(entries.map((e) => e.opening)).then(() => undefined);
  }

  isReady(): boolean {
    // Before the folders are handed over (right after activation) nothing is known yet: "opening",
    // never "no folder open".
    return this.started && [...this.entries.values()].every((e) => !!e.lore);
  }

  /** Why an index could not open (the first such error), if one could not. */
  openError(): Error | undefined {
    return [...this.entries.values()].find((e) => e.error)?.error;
  }

  lores(): { folder: vscode.WorkspaceFolder; lore: Lore }[] {
    return [...this.entries.values()].filter((e): e is Entry & { lore: Lore } => !!e.lore).map((e) => ({ folder: e.folder, lore: e.lore }));
  }

  async search(query: string, opts: SearchOptions = {}): Promise<MergedSearchResponse> {
    if (!this.isReady()) throw this.openError() ?? new Error(`${STILL_OPENING}.`);
    const t0 = performance.now();
    const lores = this.lores();
    // Memory is the workspace's, not a folder's: searched once, beside the folders' indexes.
    const [memories, ...responses] = await Promise.all([
      lores[0] ? lores[0].lore.searchMemories(query, opts) : [],
      ...lores.map(({ lore }) => lore.search(query, { ...opts, memories: false })),
    ]);
    return { ...mergeResponses(query, opts, lores.map((l) => l.folder), responses, memories), ms: performance.now() - t0 };
  }

  /** The folder's Lore that holds `uri`, and the document's path relative to it. */
  locate(uri: vscode.Uri): { folder: vscode.WorkspaceFolder; lore: Lore; rel: string } | undefined {
    for (const { folder, lore } of this.lores()) {
      const rel = path.relative(folder.uri.fsPath, uri.fsPath);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return { folder, lore, rel: rel.split(path.sep).join('/') };
    }
    return undefined;
  }

  async getDocument(uri: vscode.Uri, range?: { startLine?: number; endLine?: number }): ReturnType<Lore['getDocument']> {
    const at = this.locate(uri);
    return at?.lore.getDocument(at.rel, range);
  }

  /** The workspace's session history, once an index has opened (its changes fire onDidChangeSessions). */
  sessions(): SessionStore | undefined {
    return this.lores().length ? this.userData?.sessions : undefined;
  }

  /** The workspace's durable memory (the same file as the history). */
  memory(): MemoryStore | undefined {
    return this.lores().length ? this.userData?.memory : undefined;
  }

  /** Session history beside the indexes (the same file the MCP server finds beside an index it is given). */
  private openUserData(): UserData {
    if (!this.userData) {
      this.userData = openUserData(path.join(this.opts.storageDir, USER_DATA_FILE), { warn: (m) => this.opts.log?.(m) });
      this.userData.sessions.onDidChange(() => this.sessionsChangedSoon());
      this.userData.memory.onDidChange(() => !this.disposed && this.memoryChanged.fire());
    }
    return this.userData;
  }

  private sessionsChangedSoon(): void {
    if (this.sessionsTimer || this.disposed) return;
    this.sessionsTimer = setTimeout(() => {
      this.sessionsTimer = undefined;
      if (!this.disposed) this.sessionsChanged.fire();
    }, 100);
  }

  status(): Promise<FolderStatus[]> {
    return Promise.all(
      this.lores().map(async ({ folder, lore }) => {
        const s = await lore.status();
        const key = folder.uri.toString();
        if (s.recovered && this.repairsReported.get(key) !== s.recovered.at) {
          this.repairsReported.set(key, s.recovered.at);
          this.opts.onRepaired?.(folder, s.recovered);
        }
        return { ...s, folder: folder.name };
      }),
    );
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Runs one indexing pass over every folder (reindex, rebuild, retry failed, or files in `paths`),
   * one folder after another; `signal` cancels it. Progress is reported summed over folders.
   */
  async indexAll(
    kind: 'reindex' | 'rebuild' | 'retry',
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; folders?: vscode.WorkspaceFolder[] } = {},
  ): Promise<ReconcileSummary[]> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.runs.add(ac);
    try {
      const out: ReconcileSummary[] = [];
      const targets = this.lores().filter(({ folder }) => !opts.folders || opts.folders.some((f) => f.uri.toString() === folder.uri.toString()));
      for (const { lore } of targets) {
        const ro: ReconcileOptions = {
          signal: ac.signal,
          retryFailed: kind === 'retry',
          onProgress: (p) => opts.onProgress?.(p.done, p.total),
        };
        out.push(await (kind === 'rebuild' ? lore.rebuild(ro) : lore.index(ro)));
      }
      return out;
    } finally {
      this.runs.delete(ac);
      opts.signal?.removeEventListener('abort', onAbort);
      this.fire(true);
    }
  }

  /**
   * Keeps a folder's index fresh (core maintain): a first pass when `index` (cancelPass cancels it
   * alone), then watching until the workspace is disposed or indexing is paused. Resolves with the
   * pass's summary once watching; undefined when there was no pass, or it was cancelled or paused.
   */
  async maintainFolder(
    folder: vscode.WorkspaceFolder,
    opts: { index: boolean; cancelPass?: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<ReconcileSummary | undefined> {
    const lore = this.loreOf(folder);
    if (!lore || this.paused || this.disposed) return undefined;
    const run = new AbortController(); // pause() aborts it: no watching after a pause until resume
    this.runs.add(run);
    // The notification counts what the status bar counts: every run under way, as one.
    const off = opts.onProgress && lore.onProgress((p) => opts.onProgress!(p.done, p.total));
    try {
      return await lore.maintain({
        signal: AbortSignal.any([this.lifetime, run.signal]),
        cancelPass: opts.cancelPass,
        index: opts.index,
        first: openFilesIn(folder),
        watch: { source: vscodeFileEvents },
        ...this.watchEvents(folder),
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'ABORTED') return undefined;
      throw err;
    } finally {
      off?.();
      this.runs.delete(run);
      this.fire(true);
    }
  }

  /** Watches the folder again after a pause (no pass: Resume Indexing runs one). */
  startWatching(folder: vscode.WorkspaceFolder): void {
    const lore = this.loreOf(folder);
    if (!lore || this.paused || this.disposed) return;
    lore.watch(this.watchEvents(folder), { source: vscodeFileEvents }).catch((err) => this.opts.log?.(`${folder.name}: cannot watch: ${errorMessage(err)}`));
  }

  private loreOf(folder: vscode.WorkspaceFolder): Lore | undefined {
    return this.lores().find((l) => l.folder.uri.toString() === folder.uri.toString())?.lore;
  }

  private watchEvents(folder: vscode.WorkspaceFolder) {
    return {
      onBatch: (batch: { paths: string[] }) => {
        this.opts.log?.(`${folder.name}: ${batch.paths.length} changed path(s) indexed`);
        this.fire(true);
      },
      onError: (err: unknown) => this.opts.log?.(`${folder.name}: indexing changes failed: ${errorMessage(err)}`),
    };
  }

  /** Stops indexing: the running passes end, watching and embedding stop until resume(). */
  async pause(): Promise<void> {
    this.paused = true;
    for (const ac of this.runs) ac.abort();
    for (const { lore } of this.lores()) {
      lore.pauseEmbedding();
      await lore.unwatch();
    }
    this.fire(true);
  }

  resume(): void {
    this.paused = false;
    for (const { lore } of this.lores()) lore.resumeEmbedding();
    this.fire(true);
  }

  /** Fires onDidChange at most every 250 ms (trailing), or at once when `now`. */
  fire(now = false): void {
    if (this.disposed) return;
    const wait = now ? 0 : Math.max(0, 250 - (Date.now() - this.lastFire));
    if (this.fireTimer) {
      if (!now) return;
      clearTimeout(this.fireTimer);
    }
    this.fireTimer = setTimeout(() => {
      this.fireTimer = undefined;
      this.lastFire = Date.now();
      if (!this.disposed) this.changed.fire();
    }, wait);
  }

  async closeAll(): Promise<void> {
    for (const ac of this.runs) ac.abort();
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => this.closeEntry(e)));
  }

  /** Releases everything: indexes closed, timers cleared, no event fires after. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.life.abort();
    if (this.fireTimer) clearTimeout(this.fireTimer);
    if (this.sessionsTimer) clearTimeout(this.sessionsTimer);
    this.fireTimer = this.sessionsTimer = undefined;
    this.changed.dispose();
    this.sessionsChanged.dispose();
    this.memoryChanged.dispose();
    await this.closeAll();
    try {
      this.userData?.close();
    } catch (err) {
      this.opts.log?.(`closing session history: ${errorMessage(err)}`);
    }
    this.userData = undefined;
  }
}

