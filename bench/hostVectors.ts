/**
 * The extension host holding 100,000 chunks with 768-dimension vectors, measured in a real VS Code
 * (code-server + Chromium): 5,000 generated notes of 20 sections each, indexed and embedded by the
 * extension itself through the Ollama API (the test fixture server: a dense bag of words, deterministic,
 * so the figure is Lore's memory, not a model's). RSS of the extension host after the vectors are
 * searched (the semantic index is loaded then) and 30 s idle; again after Reload Window.
 */
import fs from 'node:fs';
import path from 'node:path';
import { denseVector, startFixtureServer } from '../test/fixtures/ollamaServer';
import { openWorkbench, type Workbench } from '../test/e2e/harness';
import { waitFor } from '../test/fixtures/processes';
import { diagnostics, extensionHost, IDLE_MS, reloadWindow, sampler, stall, whileIndexingSplit } from './host';
import type { BenchContext } from './util';

const NOTES = 5_000;
const SECTIONS = 20;
const WORDS = ('ledger invoice quarter revenue forecast budget audit payroll vendor contract renewal pricing discount margin churn ' +
  'cohort funnel signup trial upgrade refund dispute chargeback settlement reconcile export import schema migration rollback ' +
  'deploy canary incident outage latency throughput queue worker retry backoff timeout cache eviction shard replica failover').split(' ');

function writeNotes(dir: string): void {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const sentence = () => Array.from({ length: 14 }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
  for (let i = 0; i < NOTES; i++) {
    const sections = Array.from({ length: SECTIONS }, (_, j) => `## Part ${j + 1}: ${WORDS[(i + j) % WORDS.length]}\n\n${sentence()}. ${sentence()}.\n`);
    const file = path.join(dir, `area${i % 50}`, `note${i}.md`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `# Note ${i}\n\n${sections.join('\n')}`);
  }
}

/** A semantic search from the palette: the first one loads the vectors' index into memory. */
async function searchOnce(wb: Workbench, query: string): Promise<void> {
  await wb.runCommand('Lore: Search');
  const input = wb.page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(query);
  await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Note' }).first().waitFor({ timeout: 120_000 });
  await wb.page.keyboard.press('Escape');
}

export async function runHostVectorsBench(ctx: BenchContext): Promise<string> {
  const dir = path.join(ctx.tmp, 'notes');
  writeNotes(dir);
  const fx = await startFixtureServer({ models: { 'nomic-embed-text:latest': 768 }, embed: denseVector });
  ctx.log(`host-vectors: ${NOTES} notes written; starting code-server`);
  const wb = await openWorkbench({
    fixture: dir,
    settings: { 'lore.embedding.provider': 'ollama', 'lore.embedding.host': fx.url, 'lore.embedding.model': 'nomic-embed-text', 'lore.search.defaultMode': 'hybrid' },
  });
  try {
    const docs = new RegExp(`Lore: ${NOTES.toLocaleString('en-US')} docs`);
    const t0 = Date.now();
    const pid = await waitFor('the extension host', () => extensionHost(wb.server.pid), 60_000);
    const first = sampler(pid);
    await wb.waitForStatusBar(docs, 40 * 60_000); // indexed and embedded
    const readySec = (Date.now() - t0) / 1000;
    await searchOnce(wb, 'refund dispute chargeback settlement');
    ctx.log(`host-vectors: indexed and embedded in ${readySec.toFixed(0)} s (${fx.embedRequests()} embedding requests); idling ${IDLE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    first.stop();
    const firstDiag = await diagnostics(wb);
    ctx.log(`host-vectors: ${firstDiag}`);
    const [peak, steady] = [first.peakMb(), first.steadyMb(5_000)]; // the process ends with the reload

    const again = await reloadWindow(wb, pid);
    await wb.waitForStatusBar(docs, 10 * 60_000);
    await searchOnce(wb, 'canary incident outage latency');
    await new Promise((r) => setTimeout(r, IDLE_MS));
    again.stop();
    const reloadDiag = await diagnostics(wb);
    ctx.log(`host-vectors: after reload: ${reloadDiag}`);
    return [
      `Method: ${NOTES.toLocaleString('en-US')} generated notes of ${SECTIONS} sections (${(NOTES * SECTIONS).toLocaleString('en-US')} chunks planned) opened in code-server 4.99.4 with a fresh profile; the extension indexes them and embeds every chunk through the Ollama API at 768 dimensions (the fixture server: a dense bag of words, one seeded random direction per word, so the memory is Lore's, not a model's). ` +
        `RSS of the extension host from /proc every 200 ms; steady = median of the last 5 s after a hybrid search (which loads the vector index) and 30 s idle. Stalls as in the section above, with the part the thread ran. Lore's worker processes (the index writer, the embedder: they end when idle) are sampled with it: the peak of their summed RSS, and what runs at the end. \`npm run bench -- --only host-vectors\`.`,
      '',
      '| run | ready (indexed + embedded) | ext host RSS peak | steady | worker processes peak / at the end | longest stall while indexing and embedding | longest stall since start | target |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      `| first open | ${readySec.toFixed(0)} s | ${peak} MB | ${steady} MB | ${first.workersMb()} MB | ${whileIndexingSplit(firstDiag)} | ${stall(firstDiag)} ms | steady <= 250 MB, stall <= 50 ms |`,
      `| after Reload Window | - | ${again.peakMb()} MB | ${again.steadyMb(5_000)} MB | ${again.workersMb()} MB | ${whileIndexingSplit(reloadDiag)} | ${stall(reloadDiag)} ms | steady <= 250 MB |`,
    ].join('\n');
  } finally {
    await wb.close();
    await fx.close();
  }
}
