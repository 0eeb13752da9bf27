import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { KEEP_DAMAGED } from '../../src/core/storage/sqlite/recover';
import { tempWorkspace, type TempWorkspace } from './helpers';

// A damaged index file is set aside and rebuilt from the markdown; session history, in its own
// file, keeps every event. Each case damages a real index the way disks and people do.

const DOCS: Record<string, string> = {};
for (let i = 0; i < 60; i++) DOCS[`notes/n${i}.md`] = `# Note ${i}\n\n${`wombat ${i} burrows under the garden; `.repeat(40)}\n`;

async function indexedWithHistory(ws: TempWorkspace): Promise<void> {
  const lore = await ws.open();
  await lore.index();
  await lore.sessions.record('kept', 'search', { query: 'wombat' });
  await lore.close();
}

type Damage = (file: string) => void;
const damages: Record<string, Damage> = {
  'random bytes over every page after the first': (f) => {
    const size = fs.statSync(f).size;
    const fd = fs.openSync(f, 'r+');
    for (let at = 4096; at < size; at += 8192) fs.writeSync(fd, crypto.randomBytes(512), 0, 512, at);
    fs.closeSync(fd);
  },
  'truncated to a third': (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 3)),
  'a text file in its place': (f) => fs.writeFileSync(f, 'these are not the bytes you are looking for\n'),
  'header overwritten': (f) => {
    const fd = fs.openSync(f, 'r+');
    fs.writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
    fs.closeSync(fd);
  },
};

for (const [name, damage] of Object.entries(damages)) {
  test(`a damaged index (${name}) is set aside and rebuilt; history keeps every event`, async () => {
    const ws = tempWorkspace(DOCS);
    try {
      await indexedWithHistory(ws);
      damage(ws.dbPath);
      const warnings: string[] = [];
      const lore = await ws.open({ check: true, logger: { warn: (m) => warnings.push(m) } });
      const status = await lore.status();
      assert.ok(status.recovered, 'the status says the index was repaired');
      assert.ok(fs.existsSync(status.recovered.movedTo), 'the damaged file is kept aside');
      assert.match(warnings.join('\n'), /was damaged .* moved to .* rebuilt from the markdown/);
      const sum = await lore.index();
      assert.equal(sum.added, 60);
      assert.equal((await lore.search('wombat burrows', { mode: 'keyword' })).results.length, 10);
      assert.ok((await lore.validate()).ok);
      assert.deepEqual((await lore.sessions.events('kept')).map((e) => e.payload.query), ['wombat'], 'history untouched');
    } finally {
      ws.cleanup();
    }
  });
}

test('damage met by a search says what to do; a checked open then leaves a sound index', async () => {
  const ws = tempWorkspace(DOCS);
  try {
    await indexedWithHistory(ws);
    damages['random bytes over every page after the first'](ws.dbPath);
    let opened;
    try {
      opened = await ws.open(); // no page check: the damage shows at the first read of a bad page
    } catch (err) {
      assert.match(String(err), /damaged|malformed|not a database/);
    }
    if (opened) {
      // A read that meets a bad page fails with what to do, never SQLite's bare error.
      for (const q of ['wombat', 'burrows garden', 'note 7', 'under']) {
        await opened.search(q, { mode: 'keyword' }).catch((err) => assert.match(String(err), /is damaged .*lore index <dir>/));
      }
      await opened.close();
    }
    // Whatever the reads did to it, a checked open leaves a sound index that indexing completes.
    const lore = await ws.open({ check: true });
    await lore.index();
    assert.ok((await lore.validate()).ok);
    assert.ok((await lore.search('wombat', { mode: 'keyword' })).results.length > 0);
  } finally {
    ws.cleanup();
  }
});

test(`only the newest ${KEEP_DAMAGED} damaged copies are kept`, async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    for (let i = 0; i < KEEP_DAMAGED + 2; i++) {
      fs.writeFileSync(ws.dbPath, `not a database ${i}`);
      const lore = await ws.open();
      assert.ok((await lore.status()).recovered);
      await lore.close();
    }
    const dir = path.dirname(ws.dbPath);
    const aside = fs.readdirSync(dir).filter((n) => n.startsWith(`${path.basename(ws.dbPath)}.corrupt-`) && !/-(wal|shm)$/.test(n));
    assert.equal(aside.length, KEEP_DAMAGED);
  } finally {
    ws.cleanup();
  }
});

test('a read-only reader of a damaged index is told how to repair it, and nothing is moved', async () => {
  const ws = tempWorkspace({ 'a.md': '# A\n\nalpha\n' });
  try {
    await indexedWithHistory(ws);
    fs.writeFileSync(ws.dbPath, 'garbage');
    await assert.rejects(ws.open({ readonly: true }), /is damaged .*lore index <dir>/);
    assert.equal(fs.readFileSync(ws.dbPath, 'utf8'), 'garbage');
  } finally {
    ws.cleanup();
  }
});
