import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { tempWorkspace } from './helpers';

// The indexer commits documents in batches (one transaction per batch, not per document).
test('one document that cannot be stored fails alone: the rest of its batch is written and searchable', async () => {
  const ws = tempWorkspace();
  try {
    for (let i = 0; i < 40; i++) ws.write(`notes/n${i}.md`, `# Note ${i}\n\nOrdinary words, number ${i}.\n`);
    ws.write('notes/poison.md', '# Poison\n\nThis text holds POISONPILL and cannot be stored.\n');
    const lore = await ws.open();
    await lore.index({ paths: ['nothing-yet'] }); // creates the schema
    // A database-level refusal the indexer cannot foresee (as a full disk or a constraint would be).
    const db = new Database(ws.dbPath);
    db.exec(`CREATE TRIGGER poison BEFORE INSERT ON chunks WHEN new.text LIKE '%POISONPILL%'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    db.close();
    const s = await lore.index();
    assert.equal(s.added, 40);
    assert.equal(s.failed, 1);
    const [failed] = (await lore.files('failed'));
    assert.equal(failed.path, 'notes/poison.md');
    assert.match(failed.error!, /could not be stored: refused by the test/);
    assert.equal((await lore.status()).counts.synced, 40);
    assert.equal((await lore.search('ordinary', { k: 100, mode: 'keyword' })).results.length, 40);
    assert.ok((await lore.validate()).ok);
  } finally {
    ws.cleanup();
  }
});

test('progress counts documents as they are committed, batch by batch, up to the total', async () => {
  const ws = tempWorkspace();
  try {
    for (let i = 0; i < 150; i++) ws.write(`d/${i}.md`, `# Doc ${i}\n\ntext ${i}\n`);
    const lore = await ws.open();
    const seen: { phase: string; done: number; total: number }[] = [];
    const s = await lore.index({ onProgress: (p) => seen.push({ phase: p.phase, done: p.done, total: p.total }) });
    assert.equal(s.added, 150);
    const dones = seen.filter((p) => p.phase === 'indexing').map((p) => p.done);
    assert.deepEqual([...dones].sort((a, b) => a - b), dones, 'never goes backwards');
    assert.ok(dones.every((d) => d <= 150));
    assert.deepEqual(seen[seen.length - 1], { phase: 'done', done: 150, total: 150 });
  } finally {
    ws.cleanup();
  }
});
