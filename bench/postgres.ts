/**
 * The team index on PostgreSQL: (1) ranking quality against SQLite on SciFact's dev queries
 * (keyword on a real PostgreSQL 15 server, semantic and hybrid with the hashed fixture embedder on
 * PGlite + pgvector, SQLite in the same run), (2) keyword latency at 100,000 chunks on the real
 * server, through `lore.search()`, and (3) vector search latency at 100,000 chunks on PGlite
 * (PostgreSQL compiled to WebAssembly, in process: its figures are WASM's, not a server's).
 * The PostgreSQL 15 cluster is made for the run (scripts/postgres.sh) and removed after it.
 */
import fs from 'node:fs';
import pg from 'pg';
import path from 'node:path';
import { loadBeir, writeBeirMarkdown } from '../src/core/eval/beir';
import { type EvalSet, evaluate, type SystemResult } from '../src/core/eval/run';
import { createLore, type LoreInit } from '../src/core/service';
import { openUserData } from '../src/core/storage/open';
import { PgStorage } from '../src/core/storage/postgres/storage';
import { freshDatabase, ownPostgres, startPglite } from '../test/fixtures/postgres';
import { startFixtureServer } from '../test/fixtures/ollamaServer';
import { writeCorpus } from './corpus';
import { benchQueries } from './queries';
import { type BenchContext, ms, percentile, REPO } from './util';

const f4 = (x: number) => x.toFixed(4);
const DOCS = 14_300; // 100,969 chunks (bench/keyword.ts)
const VECTOR_CHUNKS = 100_000;
const VECTOR_DIMS = 384;

async function quality(ctx: BenchContext, pgUrl: string): Promise<string[]> {
  const dir = path.join(REPO, '..', 'shared', 'corpora', 'scifact');
  if (!fs.existsSync(path.join(dir, 'corpus.jsonl'))) return [`SciFact: skipped (no BEIR set at ${dir}).`];
  const beir = loadBeir(dir, path.join(dir, 'qrels', 'dev.tsv'));
  const root = path.join(ctx.tmp, 'pg-scifact');
  const byPath = writeBeirMarkdown(beir.docs, root);
  const set: EvalSet = { docs: beir.docs, queries: beir.queries, qrels: beir.qrels, root, docOfPath: (p) => byPath.get(p) };
  const rows: string[] = [];
  const lore = (r: { systems: SystemResult[] }, system: string) => r.systems.find((s) => s.system === system)!;
  const row = (what: string, backend: string, r: SystemResult, ref?: SystemResult) =>
    rows.push(`| ${what} | ${backend} | ${f4(r.ndcg10)} | ${f4(r.mrr10)} | ${f4(r.recall100)} | ${ms(r.p50Ms)} | ${ms(r.p95Ms)} | ${ref ? `${(r.ndcg10 - ref.ndcg10 >= 0 ? '+' : '')}${f4(r.ndcg10 - ref.ndcg10)}` : 'reference'} |`);
  const run = async (name: string, modes: ('keyword' | 'semantic' | 'hybrid')[], embedder: LoreInit['embedder'], storage?: LoreInit) => {
    ctx.log(`postgres: SciFact, ${name}`);
    return evaluate(set, { modes, embedder, dbPath: path.join(ctx.tmp, `pg-${name.replace(/\W+/g, '-')}.db`), storage, log: ctx.log });
  };
  // Keyword: SQLite and the real server.
  const sqliteKw = await run('sqlite keyword', ['keyword'], null);
  const db = await freshDatabase(pgUrl);
  try {
    const pgKw = await run('postgres keyword', ['keyword'], null, { backend: 'postgres', postgres: { url: db.url, project: 'scifact' } });
    row('keyword', 'SQLite (FTS5 BM25)', lore(sqliteKw, 'Lore keyword'));
    row('keyword', 'PostgreSQL 15 (lore_terms BM25)', lore(pgKw, 'Lore keyword'), lore(sqliteKw, 'Lore keyword'));
  } finally {
    await db.drop();
  }
  // Semantic and hybrid (one SQL query on PostgreSQL): SQLite + sqlite-vec and PGlite + pgvector, the hashed fixture embedder.
  const fx = await startFixtureServer({});
  const lite = await startPglite();
  try {
    const embedder = { provider: 'ollama' as const, host: fx.url, model: 'nomic-embed-text' };
    const sq = await run('sqlite hybrid', ['semantic', 'hybrid'], embedder);
    const pl = await run('pglite hybrid', ['semantic', 'hybrid'], embedder, { backend: 'postgres', postgres: { url: lite.url, project: 'scifact' } });
    for (const mode of ['Lore semantic', 'Lore hybrid']) {
      row(`${mode.replace('Lore ', '')} (hashed words)`, 'SQLite (sqlite-vec)', lore(sq, mode));
      row(`${mode.replace('Lore ', '')} (hashed words)`, 'PGlite (pgvector HNSW, WASM)', lore(pl, mode), lore(sq, mode));
    }
  } finally {
    await lite.stop();
    await fx.close();
  }
  return [
    '### Ranking quality: PostgreSQL against SQLite (SciFact dev)',
    '',
    `${beir.docs.length.toLocaleString('en-US')} abstracts as markdown, ${beir.queries.length} dev queries, k = 100, metrics as in the quality section; each backend indexes the same files through \`lore.index()\` and answers through \`lore.search()\`. ` +
      'Keyword on PostgreSQL is BM25 computed in SQL from `lore_terms` (schema/postgres/003_bm25.sql, `src/core/storage/postgres/bm25.ts`) with FTS5\'s k1, b, IDF and field weights; the stems are PostgreSQL\'s Snowball English (no stopword list), SQLite\'s are Porter, and SQLite\'s keyword list adds document evidence from other chunks (no effect here: one chunk per abstract). ' +
      'Hybrid on PostgreSQL is one SQL query (RRF or 0.7/0.3 in the database); the hashed embedder is a floor, not a model. Target: within 0.01 nDCG@10 of SQLite.',
    '',
    '| mode | backend | nDCG@10 | MRR@10 | recall@100 | p50 | p95 | nDCG@10 vs SQLite |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
}

async function keywordLatency(ctx: BenchContext, pgUrl: string): Promise<string[]> {
  const root = path.join(ctx.tmp, 'pg-corpus');
  writeCorpus(root, DOCS, 42);
  const db = await freshDatabase(pgUrl);
  try {
    const lore = await createLore({ root, dbPath: path.join(ctx.tmp, 'pg-local.db'), backend: 'postgres', postgres: { url: db.url, project: 'bench-100k' } });
    try {
      ctx.log(`postgres: indexing ${DOCS} generated documents into PostgreSQL 15`);
      const t0 = performance.now();
      await lore.index();
      const indexMs = performance.now() - t0;
      const st = await lore.status();
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query('ANALYZE'); // what autovacuum does soon after a bulk load
      await admin.end();
      const queries = benchQueries();
      for (const q of queries) await lore.search(q.text, { k: 10, mode: 'keyword' }); // warm
      const times: number[] = [];
      for (let p = 0; p < Math.max(3, ctx.repeat); p++) {
        for (const q of queries) {
          const t = performance.now();
          await lore.search(q.text, { k: 10, mode: 'keyword' });
          times.push(performance.now() - t);
        }
      }
      times.sort((a, b) => a - b);
      return [
        '### Keyword search at 100,000 chunks, PostgreSQL 15',
        '',
        `The generated corpus of the keyword section (${DOCS.toLocaleString('en-US')} documents, seed 42, **${st.chunks.toLocaleString('en-US')} chunks**), indexed by \`lore.index()\` into a PostgreSQL 15 server on this machine (Debian's postgresql-15, fsync off, default settings otherwise; ANALYZE after loading) in ${(indexMs / 1000).toFixed(0)} s (${Math.round((DOCS * 1000) / indexMs)} documents/s; SQLite: see Indexing). ` +
          `The 100 queries of \`bench/queries.ts\`, k = 10, keyword mode, ${Math.max(3, ctx.repeat)} passes after a warm one, wall time per \`lore.search()\` over TCP to localhost.`,
        '',
        '| measure | p50 | p95 | p99 | max |',
        '| --- | --- | --- | --- | --- |',
        `| keyword search, PostgreSQL 15, ${Math.round(st.chunks / 1000)}K chunks | ${ms(percentile(times, 0.5))} | **${ms(percentile(times, 0.95))}** | ${ms(percentile(times, 0.99))} | ${ms(times[times.length - 1])} |`,
      ];
    } finally {
      await lore.close();
    }
  } finally {
    await db.drop();
  }
}

async function vectorLatency(ctx: BenchContext): Promise<string[]> {
  const lite = await startPglite();
  const s = await PgStorage.open({ url: lite.url, project: 'bench-vectors', userData: openUserData(path.join(ctx.tmp, 'pg-vec-user.db')), closeUserData: true, min: 0, max: 2 });
  try {
    const db = (s as unknown as { db: { query: (sql: string, p?: unknown[]) => Promise<{ rows: Array<Record<string, string>> }> } }).db;
    const pid = (s as unknown as { projectId: number }).projectId;
    ctx.log(`postgres: ${VECTOR_CHUNKS} chunks with ${VECTOR_DIMS}-d vectors into PGlite`);
    // Rows made in SQL (the engine's write path is measured above): 10 chunks per document, random unit-free vectors.
    await db.query(`INSERT INTO document_index (project_id, file_path, title, title_source, document_type, type_source, content_hash, size, mtime, chunk_count, metadata, last_synced_at, sync_status, created_at, updated_at)
      SELECT $1, 'd' || g || '.md', 'Doc ' || g, 'heading', 'note', 'path', md5(g::text), 100, 0, 10, '{}', 0, 'synced', 0, 0 FROM generate_series(1, $2) g`, [pid, VECTOR_CHUNKS / 10]);
    await db.query(`INSERT INTO chunks (document_id, ordinal, heading_path, start_line, end_line, text, content_hash, title)
      SELECT d.id, o, '', o * 10 + 1, o * 10 + 5, 'text ' || d.id || ' ' || o, md5(d.id || ':' || o), d.title FROM document_index d CROSS JOIN generate_series(0, 9) o WHERE d.project_id = $1`, [pid]);
    await s.vectors.ensureSpace('bench:random', VECTOR_DIMS);
    await s.vectors.activate('bench:random');
    const table = (await db.query(`SELECT 'lore_vectors_' || id AS t FROM lore_vector_spaces WHERE project_id = $1`, [pid])).rows[0].t;
    await db.query(`DROP INDEX ${table}_hnsw`);
    await db.query(`INSERT INTO ${table} SELECT c.id, (SELECT array_agg(random() - 0.5) FROM generate_series(1, ${VECTOR_DIMS}) g WHERE g > c.id * 0)::vector
      FROM chunks c JOIN document_index d ON d.id = c.document_id WHERE d.project_id = $1`, [pid]);
    // The graph must fit in maintenance_work_mem (154 MB of vectors here; default 64 MB) or the build crawls.
    const t0 = performance.now();
    await db.query(`SET maintenance_work_mem = '1GB'; CREATE INDEX ${table}_hnsw ON ${table} USING hnsw (embedding vector_cosine_ops)`);
    const buildMs = performance.now() - t0;
    await db.query('ANALYZE'); // as autovacuum would on a server: without statistics the planner scans every vector
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < 100; i++) {
      const v = new Float32Array(VECTOR_DIMS).map(() => Math.random() - 0.5);
      const t = performance.now();
      hits += (await s.vectors.nearest('bench:random', v, 10, {}, { minSimilarity: -1 })).length;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return [
      '### Vector search at 100,000 chunks, PGlite + pgvector (WebAssembly)',
      '',
      `${VECTOR_CHUNKS.toLocaleString('en-US')} chunks (10 per document) with random ${VECTOR_DIMS}-d vectors, made in SQL; HNSW (cosine, pgvector defaults m 16, ef_construction 64) built after loading in ${(buildMs / 1000).toFixed(0)} s (maintenance_work_mem 1 GB), then ANALYZE. ` +
        `100 random query vectors through \`PgVectorIndex.nearest()\` (k = 10, one per document, the engine's HNSW depth), ${hits} results. PGlite is PostgreSQL compiled to WebAssembly running in this process and serving one query at a time: these are WASM figures, slower than a PostgreSQL server with pgvector, which this machine does not have.`,
      '',
      '| measure | p50 | p95 | p99 | max |',
      '| --- | --- | --- | --- | --- |',
      `| nearest 10, ${VECTOR_DIMS}-d, 100K chunks, PGlite (WASM) | ${ms(percentile(times, 0.5))} | **${ms(percentile(times, 0.95))}** | ${ms(percentile(times, 0.99))} | ${ms(times[times.length - 1])} |`,
    ];
  } finally {
    await s.close();
    await lite.stop();
  }
}

export async function runPostgres(ctx: BenchContext): Promise<string> {
  const server = ownPostgres();
  if ('skip' in server) return `PostgreSQL: not measured (${server.skip}).`;
  try {
    const parts = [...(await quality(ctx, server.url)), '', ...(await keywordLatency(ctx, server.url)), '', ...(await vectorLatency(ctx))];
    return parts.join('\n');
  } finally {
    server.stop();
  }
}
