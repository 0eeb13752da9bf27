import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Lore } from '../../src/core/service';
import { tempWorkspace } from './helpers';

// The index on a disk that fills up: the run stops with a message, what it wrote is consistent,
// and once there is space every document comes back without anyone doing anything.

const DOCS: Record<string, string> = {};
for (let i = 0; i < 80; i++) DOCS[`notes/n${i}.md`] = `# Note ${i}\n\n${`aardvark ${i} and the ${i}th burrow of many; `.repeat(400)}\n`;

/** A tmpfs of `mb` megabytes at a fresh folder (root only); undefined when it cannot be mounted. */
function smallDisk(mb: number): { dir: string; grow(mb: number): void; remove(): void } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    grow: (size) => execFileSync('mount', ['-o', `remount,size=${size}m`, dir]),
    remove: () => {
      execFileSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const canMount = (() => {
  const d = smallDisk(1);
  d?.remove();
  return !!d;
})();

test('a full disk stops the run with a message and a consistent index; once there is space, the watcher brings every document back', { skip: canMount ? false : 'needs root and tmpfs to fill a disk' }, async () => {
  const disk = smallDisk(1)!;
  const ws = tempWorkspace(DOCS);
  let lore: Lore | undefined;
  try {
    lore = await ws.open({ dbPath: path.join(disk.dir, 'index.db'), userData: { path: path.join(ws.root, '..', 'lore-user.db') } });
    await assert.rejects(lore.index(), (err: Error) => {
      assert.match(err.message, /could not be written \(.*full.*\); \d+ of 80 files are indexed and consistent, and the next run indexes the rest once there is space/);
      return true;
    });
    const before = await lore.status();
    assert.ok(before.documents < 80, `the disk filled before the end (${before.documents} documents)`);
    // Watching with a short back-off; then the disk gets room, and nothing else happens.
    let settled: () => void = () => undefined;
    await lore.watch({ onBatch: () => settled() }, { retryMs: 50 });
    disk.grow(64);
    for (let i = 0; ; i++) {
      const s = await lore.status();
      if (s.counts.synced === 80 && s.counts.failed === 0) break;
      assert.ok(i < 40, `still ${s.counts.synced} synced, ${s.counts.failed} failed after ${i} retries`);
      await new Promise<void>((resolve) => (settled = resolve));
    }
    assert.equal((await lore.search('aardvark burrow', { mode: 'keyword', k: 100 })).results.length, 80);
    assert.ok((await lore.validate()).ok);
  } finally {
    await lore?.close();
    disk.remove();
    ws.cleanup();
  }
});
