import fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { errorMessage, LoreError, throwIfAborted } from '../errors';
import { Turns } from '../turns';

export const DEFAULT_INCLUDE = ['**/*.md', '**/*.markdown', '**/*.mdx'];
/** Always excluded, whatever the settings say: dependencies, VCS internals, Lore's own folder. */
export const ALWAYS_EXCLUDED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.lore']);

export interface FileFilterOptions {
  include?: string[];
  exclude?: string[];
  /** Skip what .gitignore files ignore (default true). */
  respectGitignore?: boolean;
}

export interface DiskFile {
  size: number;
  /** Modification time, whole milliseconds. */
  mtime: number;
}

/** Workspace-relative, '/'-separated form of an absolute path under root. */
export function toRelative(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

/**
 * Decides which paths under a root are indexed: include globs, exclude globs, the fixed exclusions,
 * and the .gitignore files of the root and of every folder on the way (read once and cached).
 */
export class FileFilter {
  private readonly included: picomatch.Matcher;
  private readonly excluded: picomatch.Matcher | undefined;
  private readonly gitignores = new Map<string, Ignore | null>();

  constructor(
    readonly root: string,
    private readonly options: FileFilterOptions = {},
  ) {
    const include = options.include?.length ? options.include : DEFAULT_INCLUDE;
    try {
      this.included = picomatch(include, { dot: true });
      this.excluded = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : undefined;
    } catch (err) {
      throw new LoreError('BAD_INPUT', `Invalid include/exclude glob: ${(err as Error).message}`);
    }
  }

  /** Whether a folder (relative path, '' for the root) should be walked at all. */
  walksDir(rel: string): boolean {
    if (rel === '') return true;
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (ALWAYS_EXCLUDED_DIRS.has(name)) return false;
    if (this.excluded?.(rel) || this.excluded?.(rel + '/')) return false;
    return !this.gitIgnored(rel, true);
  }

  /** Whether a file (relative path) is one Lore indexes. Its folders are checked too. */
  indexes(rel: string): boolean {
    if (!rel || rel.startsWith('../') || path.isAbsolute(rel)) return false;
    if (!this.included(rel) || this.excluded?.(rel)) return false;
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) if (!this.walksDir(parts.slice(0, i).join('/'))) return false;
    return !this.gitIgnored(rel, false);
  }

  /** Forget cached .gitignore rules (call when a .gitignore changes). */
  reset(): void {
    this.gitignores.clear();
  }

  private gitIgnored(rel: string, isDir: boolean): boolean {
    if (this.options.respectGitignore === false) return false;
    const parts = rel.split('/');
    // Rules of each ancestor folder apply to the path relative to that folder.
    for (let depth = 0; depth < parts.length; depth++) {
      const base = parts.slice(0, depth).join('/');
      const rules = this.rulesOf(base);
      if (!rules) continue;
      const sub = parts.slice(depth).join('/') + (isDir ? '/' : '');
      if (rules.ignores(sub)) return true;
    }
    return false;
  }

  private rulesOf(baseRel: string): Ignore | null {
    let rules = this.gitignores.get(baseRel);
    if (rules === undefined) {
      rules = null;
      try {
        const text = fs.readFileSync(path.join(this.root, baseRel, '.gitignore'), 'utf8');
        rules = ignore().add(text);
      } catch {
        // no .gitignore here
      }
      this.gitignores.set(baseRel, rules);
    }
    return rules;
  }
}

/** A path the walk could not index, and why (shown by status: nothing is skipped silently). */
export interface SkippedPath {
  path: string;
  reason: string;
}

/** The most skipped paths one walk lists (the count is always exact). */
export const MAX_SKIPPED_LISTED = 200;

/** What a walk found, and what it had to leave out. */
export class Skipped {
  readonly listed: SkippedPath[] = [];
  count = 0;

  add(rel: string, reason: string): void {
    this.count++;
    if (this.listed.length < MAX_SKIPPED_LISTED) this.listed.push({ path: rel, reason });
  }
}

const REPLACEMENT = '\uFFFD';

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'a symbolic link loop';
  if (code === 'ENOENT') return 'a symbolic link to nothing';
  if (code === 'EACCES' || code === 'EPERM') return 'not readable (permission denied)';
  return errorMessage(err);
}

/** Files stat'ed at once: their answers arrive together and are handled in one piece of work. */
const STATS_AT_ONCE = 128;

/**
 * Walks the root (or one folder under it) and returns every indexed markdown file with its size
 * and mtime. What it cannot index (an unreadable folder, a broken or looping link, a name that is
 * not valid UTF-8) goes to `skipped` with the reason.
 */
export async function listFiles(filter: FileFilter, signal?: AbortSignal, fromDir = '', skipped = new Skipped()): Promise<Map<string, DiskFile>> {
  const found = new Map<string, DiskFile>();
  const fromParts = fromDir.split('/');
  const startWalked = fromParts.every((_, i) => filter.walksDir(fromParts.slice(0, i + 1).join('/')));
  const pending: string[] = fromDir === '' || startWalked ? [fromDir] : [];
  const realRoot = await fs.promises.realpath(filter.root).catch(() => filter.root);
  const turns = new Turns(); // a folder of thousands of files is not one long piece of work
  while (pending.length) {
    throwIfAborted(signal);
    const dirRel = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(filter.root, dirRel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') skipped.add(dirRel || '.', `folder ${why(err)}`);
      continue; // a vanished folder has nothing to index
    }
    const files: string[] = [];
    const links: string[] = [];
    for (const entry of entries) {
      if (turns.due()) await turns.take();
      const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      if (entry.name.includes(REPLACEMENT)) {
        if (entry.isDirectory() ? filter.walksDir(rel) : filter.indexes(rel)) skipped.add(rel, 'the name is not valid UTF-8 (rename it to index it)');
      } else if (entry.isDirectory()) {
        if (filter.walksDir(rel)) pending.push(rel);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && filter.indexes(rel)) {
        (entry.isSymbolicLink() ? links : files).push(rel);
      }
    }
    for (const rel of links) {
      const outside = await linkOutside(filter.root, rel, realRoot);
      if (outside) skipped.add(rel, outside);
      else files.push(rel); // a broken link is reported by the stat below
    }
    for (let from = 0; from < files.length; from += STATS_AT_ONCE) {
      if (turns.due()) await turns.take();
      const slice = files.slice(from, from + STATS_AT_ONCE);
      const stats = await Promise.all(slice.map((rel) => statOrWhy(filter.root, rel)));
      slice.forEach((rel, i) => {
        const st = stats[i];
        if ('reason' in st) {
          if (st.reason) skipped.add(rel, st.reason);
        } else found.set(rel, st);
      });
    }
  }
  return found;
}

/**
 * A link is followed only to a file inside the folder: what lies outside it is not this index's.
 * The reason to skip `rel` when it is a link that resolves outside the root; undefined for anything
 * else (a file, a link inside, a broken link). `realRoot`: the root's real path, when known.
 */
export async function linkOutside(root: string, rel: string, realRoot?: string): Promise<string | undefined> {
  const abs = path.join(root, rel);
  if (!(await fs.promises.lstat(abs).then((l) => l.isSymbolicLink(), () => false))) return undefined;
  const target = await fs.promises.realpath(abs).catch(() => undefined);
  const base = realRoot ?? (await fs.promises.realpath(root).catch(() => root));
  return target && target !== base && !target.startsWith(base + path.sep) ? `a link to outside the folder (${target})` : undefined;
}

/** Size and mtime of one file, or why it cannot be indexed ('' when it is not a regular file or is gone). */
export async function statOrWhy(root: string, rel: string): Promise<DiskFile | { reason: string }> {
  try {
    const st = await fs.promises.stat(path.join(root, rel));
    return st.isFile() ? { size: st.size, mtime: Math.trunc(st.mtimeMs) } : { reason: '' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A file that vanished during the walk is simply gone; a link that goes nowhere is reported.
    const isLink = await fs.promises.lstat(path.join(root, rel)).then((l) => l.isSymbolicLink(), () => false);
    return { reason: code === 'ENOENT' && !isLink ? '' : why(err) };
  }
}

/** Size and mtime of one file, or undefined when it is not a readable regular file. */
export async function statFile(root: string, rel: string): Promise<DiskFile | undefined> {
  const st = await statOrWhy(root, rel);
  return 'reason' in st ? undefined : st;
}
