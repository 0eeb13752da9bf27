/**
 * The team index on PostgreSQL against the storage conformance suite SQLite passes: on a real
 * PostgreSQL 15 server (no pgvector there: keyword, relational code and the "no pgvector" path) and
 * on PGlite with pgvector (vectors, and hybrid search in one SQL query). Each test's folder is its
 * own project in one database, so this also checks that projects keep apart.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPg, type PgDatabase } from '../../src/core/storage/postgres/connect';
import { openUserData } from '../../src/core/storage/open';
import { PgStorage } from '../../src/core/storage/postgres/storage';
import { NO_PGVECTOR } from '../../src/core/storage/postgres/vectors';
import { runSearch } from '../../src/core/search/hybrid';
import { freshDatabase, realPostgres, startPglite } from '../fixtures/postgres';
import { docWrite } from './conformanceHelpers';
import { linkConformance } from './linkConformance';
import { storageConformance } from './storageConformance';

const server = realPostgres();
const skip = 'skip' in server ? server.skip : undefined;

const pgTarget = (name: string, url: () => Promise<string>, database?: () => PgDatabase) => ({
  name,
  open: async (dir: string, opts?: { readonly?: boolean }) =>
    PgStorage.open({
      url: await url(), project: `test:${dir}`, readonly: opts?.readonly, database: database?.(),
      userData: openUserData(path.join(dir, 'lore-user.db'), { readonly: opts?.readonly }), closeUserData: true,
    }),
});

if (!skip) {
  let shared: Promise<{ url: string; drop(): Promise<void> }> | undefined;
  after(async () => (await shared)?.drop());
  const url = async () => (await (shared ??= freshDatabase((server as { url: string }).url))).url;
  storageConformance(pgTarget('PostgreSQL 15', url));
  linkConformance(pgTarget('PostgreSQL 15', url));

  describe('PostgreSQL 15 without pgvector', () => {
    it('keyword search works; semantic search says pgvector is missing, with the fix', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-pg-'));
      const s = await pgTarget('PostgreSQL 15', url).open(dir);
      try {
        assert.equal(s.vectors.available, false);
        assert.equal(s.vectors.unavailableReason, NO_PGVECTOR);
        assert.match(NO_PGVECTOR, /pgvector is not installed on the server.*CREATE EXTENSION vector/s);
        const info = await s.info();
        assert.equal(info.vectorExtension.loaded, false);
        await assert.rejects(s.vectors.ensureSpace('m', 4), /pgvector is not installed/);
        await s.documents.apply([docWrite('a.md', '# Alpha\n\nthe staging reset runbook\n')]);
        assert.deepEqual((await s.keyword.rows('staging reset', 5)).map((r) => r.path), ['a.md']);
        const health = await s.health();
        assert.equal(health.reachable, true);
        assert.match(health.serverVersion ?? '', /^15\./);
      } finally {
        await s.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
} else {
  it(`PostgreSQL 15 storage conformance (skipped: ${skip})`, { skip });
}

// PGlite serves one connection: one pool of one for the whole file, shared by every test's storage.
describe('PGlite (PostgreSQL 18 + pgvector)', () => {
  let lite: Awaited<ReturnType<typeof startPglite>>;
  let db: PgDatabase;
  before(async () => {
    lite = await startPglite();
    db = await openPg({ url: lite.url, min: 0, max: 1 });
  });
  after(async () => {
    await db?.close();
    await lite?.stop();
  });
  storageConformance(pgTarget('PGlite', async () => lite.url, () => db));
  linkConformance(pgTarget('PGlite', async () => lite.url, () => db));

  it('hybrid search in one SQL query gives what fusing the two lists in the engine gives (RRF and 0.7/0.3)', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-pg-'));
    const s = await pgTarget('PGlite', async () => lite.url, () => db).open(dir);
    try {
      assert.equal(s.vectors.available, true);
      const texts: Record<string, [string, number[]]> = {
        'deploy.md': ['# Deploy\n\nThe staging reset happens nightly.\n\n## Rollback\n\nRoll back with the reset script.\n', [1, 0.1, 0, 0]],
        'ops/reset.md': ['# Reset\n\nHow to reset staging by hand.\n', [0.8, 0.5, 0.1, 0]],
        'notes/cats.md': ['# Cats\n\nNothing about deploys here.\n', [0, 0, 1, 0]],
        'notes/night.md': ['# Nightly\n\nThe nightly job list.\n', [0.6, 0, 0.6, 0.2]],
      };
      await s.documents.apply(Object.entries(texts).map(([p, [t]]) => docWrite(p, t, 'pending')));
      const files = await s.documents.indexedFiles();
      const chunks = await s.embeddingQueue.chunks(files.map((f) => f.id));
      const byDoc = new Map(files.map((f) => [f.id, f.path]));
      const unit = (v: number[], i: number) => {
        const w = v.map((x, j) => x + (j === 3 ? i * 0.05 : 0));
        const n = Math.hypot(...w);
        return Float32Array.from(w.map((x) => x / n));
      };
      await s.embeddingQueue.commit('m', chunks.map((c, i) => ({ chunkId: c.id, vector: unit(texts[byDoc.get(c.docId)!][1], i), contentHash: c.hash })), files);
      const query = unit([0.9, 0.3, 0.1, 0], 0);
      let inOneQuery = 0;
      const fused = s.vectors.fused.bind(s.vectors);
      const sqlVectors = { nearest: s.vectors.nearest.bind(s.vectors), fused: (...a: Parameters<typeof fused>) => (inOneQuery++, fused(...a)) };
      const deps = (withSql: boolean) => ({
        root: dir,
        keyword: s.keyword,
        vectors: withSql ? sqlVectors : { nearest: s.vectors.nearest.bind(s.vectors) },
        availability: () => ({ ok: true as const, model: 'm', embedQuery: async () => query }),
      });
      for (const fusion of ['rrf', 'weighted'] as const) {
        for (const filters of [{}, { pathGlob: 'notes/**' }, { perDocument: 2 }]) {
          const opts = { fusion, explain: true, k: 10, minSimilarity: -1, ...filters };
          const inSql = await runSearch(deps(true), 'staging reset nightly', opts);
          const inEngine = await runSearch(deps(false), 'staging reset nightly', opts);
          const shape = (r: typeof inSql) => r.results.map((h) => [h.path, h.startLine, h.retriever, h.score.toFixed(12), h.explain?.keyword?.rank, h.explain?.semantic?.rank, h.explain?.fusion?.method]);
          assert.ok(inSql.results.length > 0, `${fusion} ${JSON.stringify(filters)} finds something`);
          assert.deepEqual(shape(inSql), shape(inEngine), `${fusion} ${JSON.stringify(filters)}`);
          assert.equal(inSql.mode, 'hybrid');
          assert.ok(inOneQuery > 0, 'the hybrid query answered');
          inOneQuery = 0;
        }
      }
    } finally {
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
