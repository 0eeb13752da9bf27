import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { KEEP_DAMAGED } from '../../src/core/storage/sqlite/recover';
import { tempWorkspace, type TempWorkspace } from './helpers';

// A damaged index file is set aside and rebuilt from the markdown; session history, in its own
// file, keeps every event. Each case damages a real index the way disks and people do.

// Big enough that the first quarter of the index file holds its schema (11 migrations of tables and indexes) and not much more.
const DOCS: Record<string, string> = {};
for (let i = 0; i < 60; i++) DOCS[`notes/n${i}.md`] = `# Note ${i}\n\n${`wombat ${i} burrows under the garden; `.repeat(160)}\n`;

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

/** 4 KB of random bytes in the middle of the file: the open succeeds, a later read or the page check meets it. */
function damageMidFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, crypto.randomBytes(4096), 0, 4096, Math.floor(fs.statSync(file).size / 8192) * 4096);
  fs.closeSync(fd);
}

/** Random bytes over every page from a quarter of the way in: the open's reads miss them, a search meets them. */
function damageFromAQuarter(file: string): void {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r+');
  for (let at = Math.floor(size / 4 / 4096) * 4096; at < size; at += 4096) fs.writeSync(fd, crypto.randomBytes(4096), 0, 4096, at);
  fs.closeSync(fd);
}

test('a search that meets damage sets the index aside and answers from the one rebuilt from the markdown', async () => {
  const ws = tempWorkspace(DOCS);
  try {
    await indexedWithHistory(ws);
    damageFromAQuarter(ws.dbPath);
    const warnings: string[] = [];
    // No page check (as the editor opens it): the damage shows at the first read of a bad page.
    const lore = await ws.open({ logger: { warn: (m) => warnings.push(m) } });
    assert.deepEqual(warnings, [], 'the open itself met no damage');
    const found = await lore.search('wombat burrows', { mode: 'keyword' });
    assert.equal(found.results.length, 10, 'answered from the index rebuilt from the markdown');
    assert.equal(warnings.filter((w) => /was damaged/.test(w)).length, 1, 'reported once');
    const status = await lore.status();
    assert.ok(status.recovered && fs.existsSync(status.recovered.movedTo), 'the status says it was repaired; the damaged file is kept aside');
    assert.equal(status.documents, 60);
    assert.match(warnings.join('\n'), /was damaged .* moved to/);
    assert.ok((await lore.validate()).ok);
    assert.deepEqual((await lore.sessions.events('kept')).map((e) => e.payload.query), ['wombat'], 'history untouched');
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('damage that only the page check finds is found by verify() off the thread, and rebuilt', async () => {
  const ws = tempWorkspace(DOCS);
  try {
    await indexedWithHistory(ws);
    damageMidFile(ws.dbPath);
    const lore = await ws.open(); // opens: nothing read so far touches the damaged pages
    const problems = await lore.verify();
    assert.ok(problems.length > 0, 'the check names the damage');
    // An index run asked for now comes after the rebuild the check started.
    await lore.index();
    const status = await lore.status();
    assert.ok(status.recovered, 'set aside and rebuilt');
    assert.equal(status.documents, 60);
    assert.deepEqual(await lore.verify(), [], 'the rebuilt index is sound');
    assert.ok((await lore.validate()).ok);
    assert.equal((await lore.search('wombat burrows', { mode: 'keyword' })).results.length, 10);
    assert.deepEqual((await lore.sessions.events('kept')).map((e) => e.payload.query), ['wombat'], 'history untouched');
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('maintain() checks the index beside its first pass and the damaged one is rebuilt while watching', async () => {
  const ws = tempWorkspace(DOCS);
  try {
    await indexedWithHistory(ws);
    damageMidFile(ws.dbPath);
    const lore = await ws.open();
    const stop = new AbortController();
    const healed = new Promise<void>((resolve) => {
      const off = lore.onStatusChange(() => {
        void lore.status().then((s) => {
          if (s.recovered && s.documents === 60 && !s.indexing) {
            off();
            resolve();
          }
        });
      });
    });
    await lore.maintain({ signal: stop.signal, watch: { debounceMs: 50 } });
    await healed;
    assert.equal((await lore.search('wombat burrows', { mode: 'keyword' })).results.length, 10);
    stop.abort();
    await lore.close();
  } finally {
    ws.cleanup();
  }
});

test('a healthy index passes verify() and is left alone', async () => {
  const ws = tempWorkspace(DOCS);
  try {
    await indexedWithHistory(ws);
    const lore = await ws.open();
    assert.deepEqual(await lore.verify(), []);
    assert.equal((await lore.status()).recovered, undefined);
    await lore.close();
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

test('an index set aside at open is rebuilt before the first search answers', async () => {
  const ws = tempWorkspace(DOCS);
  try {
    await indexedWithHistory(ws);
    fs.writeFileSync(ws.dbPath, 'not a database');
    const lore = await ws.open();
    assert.ok((await lore.status()).recovered);
    assert.equal((await lore.search('wombat burrows', { mode: 'keyword' })).results.length, 10, 'not an empty answer from the empty index');
    await lore.close();
  } finally {
    ws.cleanup();
  }
});
