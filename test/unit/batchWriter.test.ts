import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchWriter } from '../../src/core/index/reconcile';
import type { FileResult } from '../../src/core/index/processFile';
import type { DocumentStore, IndexWrite } from '../../src/core/storage/documents';

// A run parses ahead of its writes only so far: parsed documents waiting for a slower writer
// (the writer process on a busy machine) are held back, not piled up in the editor's memory.

test('parsing waits while two batches wait for the writer, and goes on as soon as one is written', async () => {
  const applied: number[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const store = {
    apply: async (writes: IndexWrite[]) => {
      await gate;
      applied.push(writes.length);
    },
    isTransient: () => false,
  } as unknown as DocumentStore;
  const write = (): IndexWrite => ({ kind: 'failure', path: 'x.md', stamp: { hash: 'h', size: 1, mtime: 1 }, reason: 'test' });
  const writer = new BatchWriter(store, write, () => undefined, () => undefined, 10, 100_000, 2);
  const waits: (Promise<void> | undefined)[] = [];
  for (let i = 0; i < 40; i++) waits.push(writer.add({ rel: `${i}.md` }, { kind: 'gone' } as unknown as FileResult));
  // Batches of 10: the first is being written (held at the gate); from the moment two more wait
  // behind it, every result parsed is told to wait.
  assert.deepEqual(waits.map((w, i) => (w ? i : -1)).filter((i) => i >= 0), Array.from({ length: 11 }, (_, i) => 29 + i));
  let resumed = false;
  void waits[39]!.then(() => (resumed = true));
  await new Promise(setImmediate);
  assert.equal(resumed, false, 'nothing written yet: parsing still waits');
  open();
  await waits[39];
  assert.ok(applied.length >= 1, 'it resumed once the oldest batch was written');
  await writer.close();
  assert.deepEqual(applied, [10, 10, 10, 10]);
});
