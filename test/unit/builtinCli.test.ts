import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { main } from '../../src/cli/main';
import { type ModelHub, startModelHub } from '../fixtures/modelHub';
import { tinyModel, writeCatalogue } from '../fixtures/tinyModel';
import { tempWorkspace, type TempWorkspace } from './helpers';

async function run(argv: string[], ask?: (q: string) => Promise<string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false, ask });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The CLI with the built-in model: asks before downloading (or takes --yes), then embeds and searches. */
describe('CLI with the built-in model (tiny test model, local model hub)', () => {
  const model = tinyModel();
  const saved: Record<string, string | undefined> = {};
  let hub: ModelHub;
  let ws: TempWorkspace;
  let db: string;
  let models: string;
  const flags = () => ['--db', db, '--embed-provider', 'builtin', '--embed-model', model.entry.name];
  before(async () => {
    hub = await startModelHub(model);
    ws = tempWorkspace({
      'garden.md': '# Garden\n\nThe cats and the dogs play in the garden in the sun.\n',
      'rust.md': '# Ownership\n\nRust ownership and borrowing: every reference has a lifetime.\n',
    });
    db = path.join(path.dirname(ws.root), 'cli.db');
    models = path.join(path.dirname(ws.root), 'models');
    const env = { LORE_MODEL_CATALOG: writeCatalogue(path.dirname(ws.root), model), LORE_MODEL_HUB: hub.url, LORE_MODEL_DIR: models };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    ws.cleanup();
    await hub.close();
  });
  beforeEach(() => (hub.requests.length = 0));

  it('with nobody to ask and no --yes: nothing is downloaded, the run is keyword-only and says how to get the model', async () => {
    const r = await run(['index', ws.root, ...flags()]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /semantic search needs the built-in model lore-tiny-test \(\d+ KB, MIT \(test model\) licence\) from 127\.0\.0\.1:\d+: run `lore model download`, or pass --yes/);
    assert.match(r.out, /Indexed keyword-only: the built-in model lore-tiny-test is not downloaded yet .*; run `lore model download`/);
    assert.equal(hub.requests.length, 0);
  });

  it('a user who answers no downloads nothing; `lore model download` without consent exits 1', async () => {
    const questions: string[] = [];
    const r = await run(['index', ws.root, ...flags()], async (q) => (questions.push(q), 'n'));
    assert.equal(r.code, 0, r.err);
    assert.match(questions[0] ?? '', /^Download the built-in embedding model lore-tiny-test \(.* \[y\/N\] $/);
    assert.equal(hub.requests.length, 0);
    assert.equal((await run(['model', 'download', '--embed-provider', 'builtin', '--embed-model', model.entry.name])).code, 1);
    assert.equal(hub.requests.length, 0);
    const st = JSON.parse((await run(['model', 'status', '--json', '--embed-provider', 'builtin', '--embed-model', model.entry.name])).out);
    assert.equal(st.present, false);
  });

  it('a user who answers yes: the model is downloaded, every document embedded, semantic search answers', async () => {
    const r = await run(['index', ws.root, ...flags()], async () => 'y');
    assert.equal(r.code, 0, r.err);
    assert.ok(hub.requests.length >= 2, 'both files fetched');
    assert.match(r.out, /Semantic search is ready with builtin:lore-tiny-test \(32 dims\); 2 chunk\(s\) embedded/);
    const s = await run(['search', 'cats', 'garden', '--mode', 'semantic', ...flags(), '--json']);
    assert.equal(s.code, 0, s.err);
    assert.equal(JSON.parse(s.out).results[0].path, 'garden.md');
    const st = JSON.parse((await run(['model', 'status', '--json', '--embed-provider', 'builtin', '--embed-model', model.entry.name])).out);
    assert.equal(st.present, true);
    assert.ok(fs.existsSync(st.files.onnx));
    // Already there: `lore model download` says so and fetches nothing.
    hub.requests.length = 0;
    const again = await run(['model', 'download', '--yes', '--embed-provider', 'builtin', '--embed-model', model.entry.name]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /lore-tiny-test is already downloaded/);
    assert.equal(hub.requests.length, 0);
  });

  it('lore eval --embed-provider builtin runs semantic and hybrid with the built-in model (the command users run with the real one)', async () => {
    const r = await run(['eval', ws.root, '--embed-provider', 'builtin', '--embed-model', model.entry.name, '--yes', '--json']);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.deepEqual(report.systems.map((x: { system: string }) => x.system), ['plain FTS5 BM25', 'Lore keyword', 'Lore semantic', 'Lore hybrid']);
    assert.ok(report.systems.every((x: { fallback?: unknown; queries: number }) => !x.fallback && x.queries > 0), r.out);
  });

  it('a checksum failure is exit 5 with the reason', async () => {
    fs.rmSync(models, { recursive: true, force: true });
    const bad = Buffer.from(model.files[model.entry.tokenizer.path]);
    bad[0] ^= 0xff;
    hub.replace(model.entry.tokenizer.path, bad);
    try {
      const r = await run(['model', 'download', '--yes', '--embed-provider', 'builtin', '--embed-model', model.entry.name]);
      assert.equal(r.code, 5);
      assert.match(r.err, /the downloaded tokenizer\.json is not the pinned file/);
    } finally {
      hub.replace(model.entry.tokenizer.path, model.files[model.entry.tokenizer.path]);
    }
  });
});
