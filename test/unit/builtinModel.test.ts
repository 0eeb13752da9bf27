import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { findModel } from '../../src/core/embed/builtin/catalog';
import { downloadModel, isPresent, modelFiles } from '../../src/core/embed/builtin/download';
import { WordPiece } from '../../src/core/embed/builtin/wordpiece';
import { EmbedderError } from '../../src/core/embed/types';
import type { Lore } from '../../src/core/service';
import { type ModelHub, startModelHub } from '../fixtures/modelHub';
import { startFixtureServer } from '../fixtures/ollamaServer';
import { installTinyModel, tinyModel, writeCatalogue } from '../fixtures/tinyModel';
import { eventually, tempWorkspace, type TempWorkspace } from './helpers';

const vocab = (words: string[]) => Object.fromEntries(['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...words].map((w, i) => [w, i]));
const wp = (words: string[], normalizer: object = {}) => new WordPiece({ normalizer, model: { type: 'WordPiece', vocab: vocab(words) } });
const tokens = (t: WordPiece, words: string[], text: string) => t.pieces(text).map((i) => ['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...words][i]);

describe('WordPiece tokenizer (BERT, from tokenizer.json)', () => {
  const words = ['un', '##aff', '##able', 'runn', '##ing', 'hello', '!', ',', 'cafe', '中', '文', 'a', '##b'];
  it('splits words greedily into the longest pieces, with ## continuations', () => {
    assert.deepEqual(tokens(wp(words), words, 'unaffable running'), ['un', '##aff', '##able', 'runn', '##ing']);
  });
  it('lowercases, strips accents, splits punctuation and CJK characters apart', () => {
    assert.deepEqual(tokens(wp(words), words, 'HELLO, Café!中文'), ['hello', ',', 'cafe', '!', '中', '文']);
  });
  it('a word it cannot spell is one [UNK], not pieces of it', () => {
    assert.deepEqual(tokens(wp(words), words, 'abz hello'), ['[UNK]', 'hello']);
  });
  it('keeps case and accents when the file says the model is cased', () => {
    assert.deepEqual(tokens(wp(words, { lowercase: false }), words, 'Hello hello'), ['[UNK]', 'hello']);
  });
  it('wraps in [CLS] … [SEP] and cuts to the model length, counting what it cut', () => {
    const t = wp(words);
    assert.deepEqual(t.encode('hello hello', 8), { ids: [2, 3 + 6, 3 + 6, 3], cut: 0 });
    const long = t.encode('hello '.repeat(10), 6);
    assert.equal(long.ids.length, 6);
    assert.equal(long.cut, 6);
  });
});

describe('built-in model download (local model hub)', () => {
  const model = tinyModel({ layers: 4, dims: 64 });
  let hub: ModelHub;
  let dir: string;
  let prevCatalogue: string | undefined;
  before(async () => {
    hub = await startModelHub(model);
    prevCatalogue = process.env.LORE_MODEL_CATALOG;
  });
  after(() => hub.close());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-models-'));
    process.env.LORE_MODEL_CATALOG = writeCatalogue(dir, model);
    hub.requests.length = 0;
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (prevCatalogue === undefined) delete process.env.LORE_MODEL_CATALOG;
    else process.env.LORE_MODEL_CATALOG = prevCatalogue;
  });

  it('fetches both files at the pinned revision, reports progress up to the total, and checks them', async () => {
    const seen: number[] = [];
    const files = await downloadModel(model.entry, dir, { hub: hub.url, onProgress: (p) => seen.push(p.received) });
    const total = model.entry.onnx.bytes + model.entry.tokenizer.bytes;
    assert.equal(seen.at(-1), total);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'progress only grows');
    assert.ok(hub.requests.every((r) => r.path.includes(`/resolve/${model.entry.revision}/`)), 'every file at the pinned revision');
    assert.ok(isPresent(model.entry, { modelDir: dir }));
    assert.deepEqual(fs.readFileSync(files.onnx), model.files[model.entry.onnx.path]);
  });

  it('a connection cut mid-file continues from where it stopped (Range), not from zero', async () => {
    hub.cutNext(model.entry.onnx.path, 10_000);
    await downloadModel(model.entry, dir, { hub: hub.url });
    const onnx = hub.requests.filter((r) => r.path.endsWith(model.entry.onnx.path));
    assert.deepEqual(onnx.map((r) => [r.status, r.range]), [[200, undefined], [206, 'bytes=10000-']]);
    assert.ok(isPresent(model.entry, { modelDir: dir }));
  });

  it('a cancelled download keeps its part, and the next one resumes it', async () => {
    hub.throttle(20_000);
    const ac = new AbortController();
    const first = downloadModel(model.entry, dir, { hub: hub.url, signal: ac.signal, onProgress: (p) => p.file === model.entry.onnx.path && p.received > model.entry.tokenizer.bytes + 5_000 && ac.abort() });
    await assert.rejects(first, (err: unknown) => err instanceof EmbedderError && err.kind === 'aborted');
    hub.throttle(0);
    const part = `${modelFiles(model.entry, { modelDir: dir }).onnx}.part`;
    const kept = fs.statSync(part).size;
    assert.ok(kept > 0, 'the part downloaded is kept');
    let resumed = false;
    await downloadModel(model.entry, dir, { hub: hub.url, onProgress: (p) => (resumed ||= p.resumed) });
    assert.ok(resumed, 'progress says it resumed');
    assert.equal(hub.requests.at(-1)?.range, `bytes=${kept}-`);
    assert.ok(isPresent(model.entry, { modelDir: dir }));
  });

  it('a file that is not the pinned one fails the SHA-256 check, is deleted, and nothing counts as downloaded', async () => {
    const bad = Buffer.from(model.files[model.entry.onnx.path]);
    bad[bad.length - 1] ^= 0xff;
    hub.replace(model.entry.onnx.path, bad);
    try {
      await assert.rejects(downloadModel(model.entry, dir, { hub: hub.url }), (err: unknown) => {
        assert.ok(err instanceof EmbedderError);
        assert.equal(err.kind, 'checksum');
        assert.match(err.message, /is not the pinned file \(SHA-256 .*expected .*it was deleted/);
        return true;
      });
    } finally {
      hub.replace(model.entry.onnx.path, model.files[model.entry.onnx.path]);
    }
    const onnx = modelFiles(model.entry, { modelDir: dir }).onnx;
    assert.ok(!fs.existsSync(onnx) && !fs.existsSync(`${onnx}.part`));
    assert.ok(!isPresent(model.entry, { modelDir: dir }));
  });

  it('an unreachable hub says so and how to work offline', async () => {
    await assert.rejects(downloadModel(model.entry, dir, { hub: 'http://127.0.0.1:9', attempts: 1 }), /cannot download the built-in model from 127\.0\.0\.1:9 .*lore\.embedding\.modelPath/);
  });

  it('a catalogue model has a 40-hex revision and a SHA-256 for each file; an unknown name says which exist', () => {
    const bge = findModel(undefined);
    assert.equal(bge.name, 'bge-small-en-v1.5');
    assert.match(bge.revision, /^[0-9a-f]{40}$/);
    assert.match(bge.onnx.sha256, /^[0-9a-f]{64}$/);
    assert.throws(() => findModel('no-such-model'), /"no-such-model" is not a built-in model \(known: bge-small-en-v1\.5, lore-tiny-test\)/);
  });
});

describe('built-in embedder in the engine (tiny test model, worker processes)', () => {
  const model = tinyModel();
  let hub: ModelHub;
  let dir: string;
  let ws: TempWorkspace;
  let lore: Lore | undefined;
  let prev: string | undefined;
  before(async () => {
    hub = await startModelHub(model);
    prev = process.env.LORE_MODEL_CATALOG;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-models-'));
    process.env.LORE_MODEL_CATALOG = writeCatalogue(dir, model); // the worker processes inherit it
  });
  after(async () => {
    await hub.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (prev === undefined) delete process.env.LORE_MODEL_CATALOG;
    else process.env.LORE_MODEL_CATALOG = prev;
  });
  beforeEach(() => {
    ws = tempWorkspace({
      'garden.md': '# Garden\n\nThe cats and the dogs play in the garden in the sun.\n',
      'rust.md': '# Ownership\n\nRust ownership and borrowing: every reference has a lifetime.\n',
      'deploy.md': '# Deploy\n\nThe release build is deployed to the server after the tests.\n',
    });
  });
  afterEach(async () => {
    await lore?.close();
    lore = undefined;
    ws.cleanup();
  });

  const modelDir = () => path.join(dir, 'models');
  const open = (extra: object = {}) => ws.open({ embedder: { provider: 'builtin', builtinModel: model.entry.name, modelDir: modelDir(), modelHub: hub.url, ...extra }, embedding: { recheckMs: 60_000 } });

  it('without the model: semantic search off, saying what a download would fetch, documents searchable by keyword', async () => {
    fs.rmSync(modelDir(), { recursive: true, force: true });
    lore = await open();
    await lore.index();
    await lore.embedderChecked();
    const st = await lore.status();
    assert.equal(st.embedder.state, 'degraded');
    assert.match(st.embedder.reason ?? '', /the built-in model lore-tiny-test is not downloaded yet \(\d+ KB, MIT \(test model\) licence\)/);
    assert.equal(st.embedder.fix?.value, 'lore.downloadModel');
    assert.deepEqual(st.embedder.download && { ...st.embedder.download, partial: 0 }, {
      model: 'lore-tiny-test', bytes: model.entry.onnx.bytes + model.entry.tokenizer.bytes, licence: 'MIT (test model)',
      homepage: model.entry.homepage, from: new URL(hub.url).host, partial: 0,
    });
    assert.equal(hub.requests.length, 0, 'nothing is downloaded without the host asking');
    const res = await lore.search('garden cats');
    assert.equal(res.mode, 'keyword');
    assert.equal(res.results[0]?.path, 'garden.md');
  });

  it('on a platform ONNX Runtime has no binary for: semantic search off, saying so and what to use instead; keyword search works', async () => {
    installTinyModel(modelDir(), model);
    // The worker processes inherit NODE_OPTIONS: this preload makes them riscv64, so the real
    // onnxruntime-node loader looks for bin/napi-v6/linux/riscv64, which the package does not ship.
    const preload = path.join(dir, 'riscv64.cjs');
    fs.writeFileSync(preload, "Object.defineProperty(process, 'arch', { value: 'riscv64' });\n");
    const before = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${before ?? ''} --require ${preload}`.trim();
    try {
      lore = await open();
      await lore.index();
      await lore.embedderChecked();
      const st = await lore.status();
      assert.equal(st.embedder.state, 'degraded');
      assert.match(st.embedder.reason ?? '', /the built-in model cannot run on \w+-riscv64: ONNX Runtime did not load .*use Ollama or an OpenAI-compatible server instead/);
      assert.equal(st.embedder.fix?.value, 'lore.embedding.provider');
      const res = await lore.search('garden cats');
      assert.equal(res.mode, 'keyword');
      assert.equal(res.results[0]?.path, 'garden.md');
    } finally {
      if (before === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = before;
    }
  });

  it('after the download: live, 32 dims, every document embedded, semantic and hybrid search answer', async () => {
    fs.rmSync(modelDir(), { recursive: true, force: true });
    lore = await open();
    await lore.index();
    await lore.embedderChecked();
    let last = 0;
    await lore.downloadModel({ onProgress: (p) => (last = p.received) });
    assert.equal(last, model.entry.onnx.bytes + model.entry.tokenizer.bytes);
    await eventually(async () => (await lore!.status()).embedder.state === 'live', 'live after the download');
    await lore.embeddingIdle();
    const st = await lore.status();
    assert.equal(st.embedder.provider, 'builtin');
    assert.equal(st.embedder.model, 'lore-tiny-test');
    assert.equal(st.embedder.dimensions, 32);
    assert.deepEqual(st.embedder.progress, { done: 3, total: 3 });
    assert.equal(st.embedder.download, undefined);
    const semantic = await lore.search('cats dogs garden', { mode: 'semantic' });
    assert.equal(semantic.mode, 'semantic');
    assert.equal(semantic.results[0]?.path, 'garden.md');
    const hybrid = await lore.search('rust borrowing', { mode: 'hybrid' });
    assert.equal(hybrid.mode, 'hybrid');
    assert.equal(hybrid.results[0]?.path, 'rust.md');
  });

  it('long chunks are cut to the model length and the status counts them', async () => {
    ws.write('long.md', `# Long\n\n${'the garden '.repeat(200)}\n`);
    lore = await open(); // the model is on disk from the test before
    await lore.index();
    await lore.embedderChecked();
    await lore.embeddingIdle();
    const st = await lore.status();
    assert.equal(st.embedder.state, 'live');
    assert.ok((st.embedder.truncated ?? 0) >= 1, `truncated: ${st.embedder.truncated}`);
  });

  it('switching between Ollama and the built-in model fills the new space in the shadow; switching back comes from the cache', { timeout: 30_000 }, async () => {
    installTinyModel(modelDir(), model);
    const fx = await startFixtureServer();
    try {
      const ollama = { provider: 'ollama' as const, host: fx.url };
      lore = await ws.open({ embedder: ollama, embedding: { recheckMs: 60_000 } });
      await lore.index();
      await lore.embeddingIdle();
      assert.equal((await lore.status()).embedder.activeModel, 'ollama:nomic-embed-text');
      await lore.configureEmbedder({ provider: 'builtin', builtinModel: model.entry.name, modelDir: modelDir() });
      // Until the built-in space is complete, Ollama's vectors keep answering.
      const during = await lore.status();
      assert.equal(during.embedder.activeModel, 'ollama:nomic-embed-text');
      await lore.embeddingIdle();
      const st = await lore.status();
      assert.equal(st.embedder.activeModel, 'builtin:lore-tiny-test');
      assert.deepEqual(st.embedder.progress, { done: 3, total: 3 });
      assert.equal((await lore.search('cats dogs garden', { mode: 'semantic' })).results[0]?.path, 'garden.md');
      const before = fx.embedRequests();
      await lore.configureEmbedder(ollama);
      await lore.embeddingIdle();
      const back = await lore.status();
      assert.equal(back.embedder.activeModel, 'ollama:nomic-embed-text');
      assert.equal(fx.embedRequests() - before, 1, 'only the check: the documents came from the cache');
    } finally {
      await lore?.close();
      lore = undefined;
      await fx.close();
    }
  });

  it('auto: no Ollama answering means the built-in model, and the status says why', async () => {
    lore = await ws.open({ embedder: { provider: 'auto', host: 'http://127.0.0.1:9', builtinModel: model.entry.name, modelDir: modelDir() }, embedding: { recheckMs: 60_000 } });
    await lore.embedderChecked();
    const st = await lore.status();
    assert.equal(st.embedder.provider, 'builtin');
    assert.equal(st.embedder.state, 'live');
    assert.equal(st.embedder.autoNote, 'auto: Ollama is not running at http://127.0.0.1:9, so the built-in model');
  });
});
