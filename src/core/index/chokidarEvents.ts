/** The default file events: chokidar watching the root (the CLI, MCP server and tests). */
import fs from 'node:fs';
import path from 'node:path';
import { watch } from 'chokidar';
import { type FileFilter, toRelative } from './files';

export function chokidarEvents(
  filter: FileFilter,
  changed: (abs: string) => void,
  opts: { usePolling?: boolean; writeSettleMs?: number },
): { ready: Promise<void>; close(): Promise<void> } {
  const root = filter.root;
  const watcher = watch(root, {
    ignoreInitial: true,
    persistent: true,
    usePolling: opts.usePolling ?? false,
    awaitWriteFinish: { stabilityThreshold: opts.writeSettleMs ?? 80, pollInterval: 20 },
    ignored: (abs, stats) => {
      const rel = toRelative(root, abs);
      if (rel === '' || rel.startsWith('..')) return false;
      if (path.basename(abs) === '.gitignore') return false;
      if (stats?.isDirectory()) return !filter.walksDir(rel);
      if (stats?.isFile()) return !filter.indexes(rel);
      // Not yet known whether file or folder: only rule out folders we never walk.
      return !filter.walksDir(rel) && !filter.indexes(rel);
    },
  });
  for (const event of ['add', 'change', 'unlink', 'unlinkDir'] as const) {
    watcher.on(event, (abs: string) => changed(abs));
  }
  // chokidar reports nothing for a link that points nowhere (or loops), nor for its removal; the
  // raw event is enough to look at the path, so that the indexer lists it as skipped with the
  // reason, or drops it from that list (a path gone twice over is one entry in the batch).
  watcher.on('raw', (_event: string, name: unknown, details: unknown) => {
    const dir = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (typeof name !== 'string' || typeof dir !== 'string' || !name.endsWith('.md')) return;
    const abs = path.basename(dir) === name ? dir : path.join(dir, name);
    const rel = toRelative(root, abs);
    if (rel.startsWith('..') || !filter.indexes(rel)) return;
    fs.lstat(abs, (err, st) => {
      if (err) changed(abs);
      else if (st.isSymbolicLink()) fs.stat(abs, (broken) => broken && changed(abs));
    });
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
