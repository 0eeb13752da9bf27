/** Writes and look-ups the conformance suites share. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseMarkdown } from '../../src/core/markdown/parse';
import type { DocumentStore, FileStamp, IndexedFile } from '../../src/core/storage/documents';

export const stamp = (text: string, mtime = 1_000): FileStamp => ({ hash: crypto.createHash('sha256').update(text).digest('hex'), size: Buffer.byteLength(text), mtime });

export function docWrite(rel: string, text: string, status: 'pending' | 'synced' = 'synced', mtime = 1_000) {
  return { kind: 'document' as const, path: rel, stamp: stamp(text, mtime), doc: parseMarkdown(text, rel), status };
}

export async function rowOf(s: { documents: DocumentStore }, rel: string): Promise<IndexedFile> {
  const row = (await s.documents.indexedFiles()).find((f) => f.path === rel);
  assert.ok(row, `${rel} is indexed`);
  return row;
}


/** A test that gets a fresh store of `target` in a temp dir (closed and removed after). */
export function storageTest<S extends { close(): Promise<void> }>(target: { name: string; open(dir: string): Promise<S> }, area: string) {
  return (title: string, fn: (s: S, dir: string) => Promise<void>) =>
    test(`${target.name} ${area}: ${title}`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-conformance-'));
      const s = await target.open(dir);
      try {
        await fn(s, dir);
      } finally {
        await s.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
}
