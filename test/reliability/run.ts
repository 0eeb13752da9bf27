/**
 * The reliability suite (`npm run test:reliability`; `-- --quick` is what `npm test` runs):
 * repeated trials of what breaks indexes in the field, each counted, with the worst times.
 *
 *   kill -9    an indexer (recording session history as it goes) killed at a random moment: the
 *              index is consistent, the history's events are whole and in order, and the next run
 *              ends with exactly the index a clean run builds
 *   damage     random bytes at several offsets, truncation, an empty file, a text file, a damaged
 *              WAL: searchable again after one `index`, no session event lost
 *   hostile    generated markdown built to stall a parser: each file indexed or failed with its
 *              reason within its budget, and a normal file beside it searchable
 *   query fuzz operators, quotes, unicode, 10,000-character strings: every query answered (or
 *              refused as too long) and never an error; the slowest answer
 *
 * Options: --quick (5 kill trials, fewer fuzz queries), --trials N, --write (the figures into
 * BENCHMARKS.md, section "Reliability"). Exits 1 when any trial fails.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeCorpus } from '../../bench/corpus';
import { writeBlock } from '../../bench/run';
import { LoreError } from '../../src/core/errors';
import { createLore, type Lore } from '../../src/core/service';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const trialsArg = args.indexOf('--trials');
const KILL_TRIALS = trialsArg !== -1 ? Number(args[trialsArg + 1]) : quick ? 5 : 30;
const FUZZ_QUERIES = quick ? 300 : 2000;
const KILL_DOCS = quick ? 200 : 400;
const DAMAGE_DOCS = quick ? 80 : 150;
const REPO = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-reliability-'));
const rows: string[][] = [];
let failures = 0;

function record(name: string, passed: number, total: number, detail: string): void {
  if (passed !== total) failures++;
  rows.push([name, `${passed} / ${total}`, detail]);
  console.log(`${passed === total ? 'ok  ' : 'FAIL'} ${name}: ${passed}/${total} ${detail}`);
}

/** What identifies an index's content: every document's path, hash, status and chunks. */
async function fingerprint(lore: Lore): Promise<string> {
  const files = await lore.files(undefined, 1e6);
  const status = await lore.status();
  return crypto.createHash('sha256').update(JSON.stringify([files.map((f) => [f.path, f.status, f.chunkCount, f.size]), status.chunks])).digest('hex');
}

async function killTrials(): Promise<void> {
  const root = path.join(tmp, 'kill', 'docs');
  fs.mkdirSync(root, { recursive: true });
  writeCorpus(root, KILL_DOCS, 7);
  const refDb = path.join(tmp, 'kill', 'ref.db');
  const ref = await createLore({ root, dbPath: refDb });
  const t0 = performance.now();
  await ref.index();
  const fullMs = performance.now() - t0;
  const want = await fingerprint(ref);
  await ref.close();
  const child = `
    const { createLore } = require(${JSON.stringify(path.join(REPO, 'src/core/service.ts'))});
    createLore({ root: process.argv[1], dbPath: process.argv[2] }).then(async (lore) => {
      let n = 0;
      lore.onProgress(() => { void lore.sessions.record('trial', 'search', { query: 'progress ' + n++ }); });
      await lore.index();
      process.exit(0);
    });`;
  let passed = 0;
  const problems: string[] = [];
  for (let i = 0; i < KILL_TRIALS; i++) {
    const db = path.join(tmp, 'kill', `t${i}.db`);
    const p = spawn(process.execPath, ['--import', 'tsx', '-e', child, root, db], { stdio: 'ignore' });
    // Node and tsx start in ~1 s; the kill lands anywhere from start-up to the end of the run.
    const at = 500 + Math.random() * (fullMs + 1500);
    const timer = setTimeout(() => p.kill('SIGKILL'), at);
    await new Promise((r) => p.once('exit', r));
    clearTimeout(timer);
    try {
      const lore = await createLore({ root, dbPath: db });
      const report = await lore.validate();
      const events = await lore.sessions.events('trial', { limit: 1e6 });
      const inOrder = events.every((e, j) => e.seq === j + 1);
      await lore.index();
      const same = (await fingerprint(lore)) === want;
      await lore.close();
      if (report.ok && inOrder && same) passed++;
      else problems.push(`trial ${i} (kill at ${Math.round(at)} ms): ${[!report.ok && 'inconsistent', !inOrder && 'history out of order', !same && 'different index'].filter(Boolean).join(', ')}`);
    } catch (err) {
      problems.push(`trial ${i}: ${(err as Error).message}`);
    }
  }
  record(`kill -9 during indexing (${KILL_DOCS} documents, history written meanwhile)`, passed, KILL_TRIALS, problems.join('; ') || `consistent, history in order, resumed to the same index every time (full run ${Math.round(fullMs)} ms)`);
}

async function damageMatrix(): Promise<void> {
  const root = path.join(tmp, 'damage', 'docs');
  fs.mkdirSync(root, { recursive: true });
  writeCorpus(root, DAMAGE_DOCS, 3);
  const cases: Record<string, (db: string) => void> = {};
  for (const frac of [0.1, 0.3, 0.5, 0.7, 0.9]) {
    cases[`random 4 KB at ${Math.round(frac * 100)}%`] = (db) => {
      const fd = fs.openSync(db, 'r+');
      fs.writeSync(fd, crypto.randomBytes(4096), 0, 4096, Math.floor((fs.statSync(db).size * frac) / 4096) * 4096);
      fs.closeSync(fd);
    };
  }
  cases['truncated to half'] = (db) => fs.truncateSync(db, Math.floor(fs.statSync(db).size / 2));
  cases['empty file'] = (db) => fs.truncateSync(db, 0);
  cases['a text file'] = (db) => fs.writeFileSync(db, 'hello\n');
  cases['damaged write-ahead log'] = (db) => fs.writeFileSync(`${db}-wal`, crypto.randomBytes(64 * 1024));
  let passed = 0;
  const problems: string[] = [];
  // Each case two ways: `lore index` (a checked open, then a run), and as the editor meets it (an
  // open without the page check, the check beside it in a worker, then just a search).
  const routes = ['index run', 'in use'] as const;
  for (const [name, damage] of Object.entries(cases)) {
    for (const route of routes) {
      const label = `${name} (${route})`;
      const db = path.join(tmp, 'damage', label.replace(/\W+/g, '-'), 'index.db'); // its own history beside it
      try {
        const lore = await createLore({ root, dbPath: db });
        await lore.index();
        await lore.sessions.record(name, 'search', { query: 'kept' });
        await lore.close();
        damage(db);
        const again = await createLore({ root, dbPath: db, check: route === 'index run' });
        if (route === 'index run') await again.index();
        else await again.verify();
        const found = (await again.search('the', { mode: 'keyword' })).results.length > 0;
        const ok = (await again.validate()).ok;
        const kept = (await again.sessions.events(name)).length === 1;
        const docs = (await again.status()).documents === DAMAGE_DOCS;
        await again.close();
        if (found && ok && kept && docs) passed++;
        else problems.push(`${label}: ${[!found && 'not searchable', !ok && 'inconsistent', !kept && 'history lost', !docs && 'documents missing'].filter(Boolean).join(', ')}`);
      } catch (err) {
        problems.push(`${label}: ${(err as Error).message}`);
      }
    }
  }
  record('damaged index files (random bytes at 5 offsets, truncated, empty, text, bad WAL), each after `lore index` and met in use', passed, Object.keys(cases).length * routes.length, problems.join('; ') || 'searchable again (after one index run, or by the check and search alone), no session event lost');
}

async function hostileInputs(): Promise<void> {
  const cases: Record<string, string> = {
    'quoted lists, 25,000 deep': `# q\n\n${'> - '.repeat(25_000)}x\n`,
    '21 lines of 25,000 ">"': `${'>'.repeat(25_000)} x\n`.repeat(21),
    '50,000 ">" on a line': `${'>'.repeat(50_000)}\n`,
    'lists indented 5,000 deep': Array.from({ length: 300 }, (_, i) => `${' '.repeat(i * 2)}- item ${i}`).join('\n').repeat(3),
    'quoted lists repeated (slow to parse)': `# s\n\n${`${'> - '.repeat(4)}x\n`.repeat(20_000)}`,
    '100,000 "*a"': '*a'.repeat(100_000),
    '100,000 "["': '['.repeat(100_000),
    'a 1.9 MB line': 'w'.repeat(1_900_000),
  };
  let passed = 0;
  let worst = 0;
  let worstName = '';
  const problems: string[] = [];
  for (const [name, text] of Object.entries(cases)) {
    const root = path.join(tmp, 'hostile', name.replace(/\W+/g, '-'));
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'hostile.md'), text);
    fs.writeFileSync(path.join(root, 'normal.md'), '# Normal\n\nthe quokka is found\n');
    const lore = await createLore({ root, dbPath: `${root}.db`, config: { parseTimeoutMs: 5_000 } });
    const t0 = performance.now();
    try {
      await lore.index();
      const ms = performance.now() - t0;
      if (ms > worst) [worst, worstName] = [ms, name];
      const found = (await lore.search('quokka', { mode: 'keyword' })).results[0]?.path === 'normal.md';
      const [h] = (await lore.files()).filter((f) => f.path === 'hostile.md');
      const accounted = !!h && (h.status !== 'failed' || !!h.error);
      if (found && accounted && ms < 5_000 + 5_000) passed++;
      else problems.push(`${name}: ${[!found && 'normal.md not searchable', !accounted && 'no reason', ms >= 10_000 && `${Math.round(ms)} ms`].filter(Boolean).join(', ')}`);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    } finally {
      await lore.close();
    }
  }
  record('hostile markdown (generated), 5 s parse budget', passed, Object.keys(cases).length, problems.join('; ') || `each indexed or failed with its reason, the file beside it searchable; slowest run ${Math.round(worst)} ms (${worstName})`);
}

async function queryFuzz(): Promise<void> {
  const root = path.join(tmp, 'fuzz', 'docs');
  fs.mkdirSync(root, { recursive: true });
  writeCorpus(root, 300, 11);
  const lore = await createLore({ root, dbPath: path.join(tmp, 'fuzz', 'index.db') });
  await lore.index();
  const atoms = ['AND', 'OR', 'NOT', 'NEAR', 'NEAR/3', '"', '*', '(', ')', ':', '^', '-', '+', 'title:', "'", '\\', 'the', 'index', 'café', '日本語', '🙂', 'ǅ', '\u0000', '%', '_', '{', '}', '[', ']'];
  let answered = 0;
  let refused = 0;
  let worst = 0;
  const errors: string[] = [];
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < FUZZ_QUERIES; i++) {
    const long = i % 25 === 0;
    const n = long ? 1 + Math.floor(rand() * 4000) : 1 + Math.floor(rand() * 12);
    const q = Array.from({ length: n }, () => atoms[Math.floor(rand() * atoms.length)]).join(rand() < 0.5 ? ' ' : '');
    const t0 = performance.now();
    try {
      await lore.search(q, { mode: 'keyword', prefixLast: rand() < 0.5 });
      answered++;
    } catch (err) {
      if (err instanceof LoreError && err.code === 'BAD_INPUT' && /at most/.test(err.message)) refused++;
      else errors.push(`${JSON.stringify(q.slice(0, 40))}: ${(err as Error).message}`);
    }
    worst = Math.max(worst, performance.now() - t0);
  }
  await lore.close();
  const ok = errors.length === 0 && worst < 100;
  record(`query fuzz (${FUZZ_QUERIES} queries, 1 in 25 up to 10,000+ characters)`, ok ? FUZZ_QUERIES : FUZZ_QUERIES - errors.length - (worst >= 100 ? 1 : 0), FUZZ_QUERIES,
    `${answered} answered, ${refused} refused as too long (with the limit in the message), ${errors.length} errors${errors.length ? `: ${errors.slice(0, 3).join('; ')}` : ''}; slowest ${worst.toFixed(1)} ms (target < 100 ms)`);
}

async function runAll(): Promise<void> {
  const t0 = Date.now();
  try {
    await killTrials();
    await damageMatrix();
    await hostileInputs();
    await queryFuzz();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const table = ['| suite | passed | what held |', '| --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  console.log(`\n${table}\n\nreliability suite: ${failures ? 'FAILED' : 'passed'} in ${Math.round((Date.now() - t0) / 1000)} s`);
  if (args.includes('--write')) {
    writeBlock('reliability', `## Reliability\n\nMeasured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run test:reliability -- --write\` (${KILL_TRIALS} kill trials) on ${os.cpus().length} cores, Node ${process.versions.node}. The disk-full case runs in the unit tests (test/unit/diskFull.test.ts: a 1 MB tmpfs filled, then grown; every document back with nothing done; root only).\n\n${table}`);
  }
  process.exit(failures ? 1 : 0);
}

void runAll();
