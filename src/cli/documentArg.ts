/** A document named on the command line (lore related, lore links): its path, its line, how it is found in the index. */
import fs from 'node:fs';
import path from 'node:path';
import type { Lore } from '../core/lore';

/** A command line the CLI cannot take (exit 2, with the usage). */
export class UsageError extends Error {}

/** `<path>[:line]`: a trailing `:N` is the line, unless the whole argument names a file on disk. */
export function pathAndLine(arg: string): { file: string; line?: number } {
  const m = /^(.+):(\d+)$/.exec(arg);
  if (!m || fs.existsSync(arg)) return { file: arg };
  const line = Number(m[2]);
  if (!Number.isSafeInteger(line) || line < 1) throw new UsageError(`Lines are numbered from 1, not "${m[2]}" (lore related <path>[:line])`);
  return { file: m[1], line };
}

export function wholeOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not "${raw}"`);
  return v;
}

/**
 * A document named on the command line, as the index knows it: a path relative to the current
 * folder (or absolute) first, then relative to the index's folder (as \`lore search\` prints paths).
 */
export async function findDocument<T>(lore: Lore, file: string, get: (docPath: string) => Promise<T | undefined>): Promise<T | undefined> {
  const abs = path.resolve(file);
  const candidates = [abs];
  try {
    candidates.push(fs.realpathSync(abs)); // the index's folder may be reached through a symbolic link
  } catch {
    // not on disk (deleted since it was indexed, or a path relative to the index's folder)
  }
  if (!path.isAbsolute(file)) candidates.push(file);
  const inside = (p: string) => !path.isAbsolute(p) || !path.relative(lore.root, p).startsWith('..');
  for (const c of [...new Set(candidates)].filter(inside)) {
    const found = await get(c);
    if (found) return found;
  }
  return undefined;
}

/** What to say when the document named is not in the index. */
export function notIndexedMessage(lore: Lore, arg: string): string {
  return `"${arg}" is not in the index of ${lore.root}: a path is taken from the current folder (or absolute), or from ${lore.root} as \`lore search\` prints it.`;
}

