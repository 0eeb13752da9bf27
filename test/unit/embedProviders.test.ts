import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createEmbedder, embedderFromEnv } from '../../src/core/embed/create';
import { OllamaEmbedder } from '../../src/core/embed/ollama';
import { OpenAIEmbedder } from '../../src/core/embed/openai';
import { EmbedderError } from '../../src/core/embed/types';
import { taskPrefix } from '../../src/core/embed/util';
import { type FixtureServer, startFixtureServer } from '../fixtures/ollamaServer';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

async function rejectsWith(p: Promise<unknown>, kind: string, message: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof EmbedderError, `expected EmbedderError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    assert.match(err.message, message);
    return true;
  });
}

describe('Ollama embedder (real ollama client against the fixture server)', () => {
  let fx: FixtureServer;
  before(async () => (fx = await startFixtureServer()));
  after(() => fx.close());
  beforeEach(async () => {
    fx.reset();
    fx.fault = 'none';
    fx.faultCount = 0;
    fx.delayMs = 0;
    fx.models = new Map([['nomic-embed-text:latest', 768]]);
    await fx.start();
  });

  it('learns the dimensions in preflight and returns unit vectors where shared words are close', async () => {
    const e = new OllamaEmbedder({ host: fx.url });
    assert.equal(e.dimensions, undefined);
    const report = await e.preflight();
    assert.equal(report.dimensions, 768);
    assert.equal(report.contextLength, 2048);
    assert.equal(e.dimensions, 768);
    const [a, b, c] = await e.embed(['sqlite vector search index', 'vector search in sqlite', 'baking sourdough bread at home'], { kind: 'document' });
    assert.ok(Math.abs(dot(a, a) - 1) < 1e-5, 'normalised');
    assert.ok(dot(a, b) > dot(a, c) + 0.3, `close ${dot(a, b)} vs far ${dot(a, c)}`);
  });

  it('applies nomic task prefixes per kind, and overrides from settings', async () => {
    await new OllamaEmbedder({ host: fx.url }).embed(['doc text'], { kind: 'document' });
    await new OllamaEmbedder({ host: fx.url }).embed(['what query'], { kind: 'query' });
    await new OllamaEmbedder({ host: fx.url, queryPrefix: 'Q: ' }).embed(['custom'], { kind: 'query' });
    assert.deepEqual(fx.inputs, ['search_document: doc text', 'search_query: what query', 'Q: custom']);
    assert.equal(taskPrefix('all-minilm', 'query'), '');
  });

  it('batches: 70 texts at batch size 32 are 3 requests', async () => {
    const e = new OllamaEmbedder({ host: fx.url, batchSize: 32 });
    const out = await e.embed(Array.from({ length: 70 }, (_, i) => `text number ${i}`), { kind: 'document' });
    assert.equal(out.length, 70);
    assert.equal(fx.counts.get('/api/embed'), 3);
  });

  it('says Ollama is not running when nothing listens, with the command to start it', async () => {
    await fx.stop();
    const e = new OllamaEmbedder({ host: fx.url, retries: 1 });
    await rejectsWith(e.preflight(), 'unreachable', new RegExp(`Ollama is not running at ${fx.url.replace(/\./g, '\\.')}`));
  });

  it('says the model is not pulled, with the exact pull command', async () => {
    fx.models.clear();
    const e = new OllamaEmbedder({ host: fx.url });
    await assert.rejects(e.preflight(), (err: EmbedderError) => {
      assert.equal(err.message, 'model nomic-embed-text is not pulled: run `ollama pull nomic-embed-text`');
      assert.deepEqual(err.fix, { kind: 'command', value: 'ollama pull nomic-embed-text', label: 'Pull nomic-embed-text' });
      return true;
    });
    // embedding straight away (no preflight) gives the same message from the 404
    await rejectsWith(e.embed(['x'], { kind: 'document' }), 'model-missing', /ollama pull nomic-embed-text/);
  });

  it('times out with the CPU hint and the setting to raise', async () => {
    fx.delayMs = 400;
    const e = new OllamaEmbedder({ host: fx.url, timeoutMs: 150, retries: 1 });
    await rejectsWith(e.embed(['slow'], { kind: 'document' }), 'timeout', /timed out after 0\.1 s \(CPU-only Ollama can be slow: raise lore\.embedding\.timeout\)/);
  });

  it('treats a 404, an empty vector and wrong dimensions as errors, never success', async () => {
    const e = new OllamaEmbedder({ host: fx.url, retries: 1 });
    await e.preflight();
    fx.fault = 'notFound404';
    await rejectsWith(e.embed(['x'], { kind: 'document' }), 'bad-response', /404/);
    fx.fault = 'empty';
    await rejectsWith(e.embed(['x'], { kind: 'document' }), 'bad-response', /empty vector/);
    fx.fault = 'wrongDims';
    await rejectsWith(e.embed(['x'], { kind: 'document' }), 'bad-response', /784-dimensional vectors where 768 were expected/);
  });

  it('retries a transient 500 with backoff and succeeds', async () => {
    fx.fault = 'http500';
    fx.faultCount = 2;
    const e = new OllamaEmbedder({ host: fx.url, retries: 3 });
    const [v] = await e.embed(['recovering'], { kind: 'document' });
    assert.equal(v.length, 768);
    assert.equal(fx.counts.get('/api/embed'), 3);
  });

  it('cancels a slow request at once when the signal aborts', async () => {
    fx.delayMs = 2000;
    const e = new OllamaEmbedder({ host: fx.url });
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 50);
    await rejectsWith(e.embed(['x'], { kind: 'document', signal: ac.signal }), 'aborted', /Cancelled/);
    assert.ok(Date.now() - t0 < 1000);
  });

  it('cuts input to the model\'s context (learned from /api/show) before sending', async () => {
    const e = new OllamaEmbedder({ host: fx.url });
    await e.preflight();
    fx.reset();
    const [v] = await e.embed(['word '.repeat(5000)], { kind: 'document' });
    assert.equal(v.length, 768);
    assert.equal(fx.inputs[0].length, 2048 * 3, 'context 2048 tokens at no more than 3 characters each');
    assert.ok(fx.inputs[0].startsWith('search_document: word'));
  });

  it('lists the models the server has', async () => {
    fx.models.set('all-minilm:latest', 384);
    assert.deepEqual(await createEmbedder({ provider: 'ollama', host: fx.url }).listModels(), ['nomic-embed-text:latest', 'all-minilm:latest']);
  });
});

describe('OpenAI-compatible embedder', () => {
  let fx: FixtureServer;
  before(async () => (fx = await startFixtureServer({ models: { 'text-embedding-3-small': 1536 } })));
  after(() => fx.close());
  beforeEach(() => {
    fx.reset();
    fx.apiKey = undefined;
  });

  it('sends the API key from the environment in the Authorization header, and only there', async () => {
    fx.apiKey = 'sk-test-123';
    const e = new OpenAIEmbedder({ host: `${fx.url}/v1` }, { LORE_EMBED_API_KEY: 'sk-test-123' });
    const report = await e.preflight();
    assert.equal(report.dimensions, 1536);
    const [a, b] = await e.embed(['alpha beta', 'alpha beta gamma'], { kind: 'document' });
    assert.ok(dot(a, b) > 0.5);
    assert.ok(fx.authHeaders.every((h) => h === 'Bearer sk-test-123'));
    assert.ok(!JSON.stringify(report).includes('sk-test'));
  });

  it('a wrong key is an auth error naming the variables, not the key', async () => {
    fx.apiKey = 'sk-right';
    const e = new OpenAIEmbedder({ host: fx.url, apiKey: 'sk-wrong' }, {});
    await assert.rejects(e.preflight(), (err: EmbedderError) => err.kind === 'auth' && /LORE_EMBED_API_KEY/.test(err.message) && !err.message.includes('sk-wrong'));
  });

  it('a host without a scheme or with /v1 is the same server', async () => {
    assert.equal(new OpenAIEmbedder({ host: 'localhost:1234/v1/' }, {}).host, 'http://localhost:1234');
    assert.equal(new OpenAIEmbedder({}, {}).host, 'https://api.openai.com');
  });

  it('an unknown model is named with what the server offers', async () => {
    const e = new OpenAIEmbedder({ host: fx.url, model: 'nope' }, {});
    await rejectsWith(e.preflight(), 'model-missing', /model nope is not available .*text-embedding-3-small/);
  });
});

describe('embedder settings from flags and environment', () => {
  it('reads OLLAMA_HOST, LORE_EMBED_MODEL and LORE_EMBED_PROVIDER; flags win; none = keyword only', async () => {
    assert.deepEqual(embedderFromEnv({}, { OLLAMA_HOST: 'http://gpu:11434', LORE_EMBED_MODEL: 'mxbai-embed-large', LORE_MODEL_DIR: '/m' }), {
      provider: 'auto', host: 'http://gpu:11434', model: 'mxbai-embed-large', timeoutMs: undefined,
      builtinModel: undefined, modelDir: '/m', modelPath: undefined,
    });
    // With builtin, --embed-model names the built-in model; LORE_MODEL_PATH a folder that holds it.
    assert.deepEqual(
      (({ provider, model, builtinModel, modelPath }) => ({ provider, model, builtinModel, modelPath }))(embedderFromEnv({ provider: 'builtin', model: 'bge-small-en-v1.5' }, { LORE_MODEL_PATH: '/air-gapped' })!),
      { provider: 'builtin', model: undefined, builtinModel: 'bge-small-en-v1.5', modelPath: '/air-gapped' },
    );
    assert.equal(embedderFromEnv({ model: 'm2' }, { LORE_EMBED_MODEL: 'm1' })?.model, 'm2');
    assert.equal(embedderFromEnv({}, { LORE_EMBED_PROVIDER: 'none' }), null);
    assert.equal(embedderFromEnv({}, { LORE_EMBED_PROVIDER: 'openai', OLLAMA_HOST: 'x' })?.host, undefined);
    assert.throws(() => embedderFromEnv({ provider: 'bogus' }, {}), /Unknown embedding provider/);
  });
});
