import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEmbedder } from '../../src/core/embed/create';
import { ProcessEmbedder } from '../../src/core/embed/processEmbedder';
import { EmbedderError } from '../../src/core/embed/types';
import { startFixtureServer } from '../fixtures/ollamaServer';

// Document embedding runs in a process of its own: the server's JSON is parsed there, and only the
// vectors reach the thread the editor shares.

const texts = Array.from({ length: 70 }, (_, i) => `section ${i} about burrows, tunnels and the aardvark's diet`);

test('documents are embedded in the embedding process, with the vectors this thread would get; queries stay here', async () => {
  const fx = await startFixtureServer();
  const settings = { provider: 'ollama' as const, host: fx.url, model: 'nomic-embed-text' };
  const te = new ProcessEmbedder(settings);
  try {
    assert.equal((await te.preflight()).dimensions, 768);
    assert.equal(te.inWorker, false, 'no worker for a check');
    assert.equal((await te.embed(['aardvark'], { kind: 'query' })).length, 1);
    assert.equal(te.inWorker, false, 'no worker for a query');
    const vectors = await te.embed(texts, { kind: 'document' });
    assert.equal(te.inWorker, true);
    const here = await createEmbedder(settings).embed(texts, { kind: 'document' });
    assert.equal(vectors.length, texts.length);
    assert.ok(vectors.every((v, i) => v instanceof Float32Array && v.length === 768 && v.every((x, j) => x === here[i][j])));
    assert.equal(te.dimensions, 768);
  } finally {
    await te.close();
    await fx.close();
  }
  assert.equal(te.inWorker, false);
});

test('failures in the embedding process arrive as the embedder\'s own errors, and a cancel reaches the process', async () => {
  const fx = await startFixtureServer();
  const settings = { provider: 'ollama' as const, host: fx.url, model: 'nomic-embed-text', retries: 0 };
  const te = new ProcessEmbedder(settings);
  try {
    fx.fault = 'notFound404';
    const here = (await createEmbedder(settings).embed(texts, { kind: 'document' }).then(() => assert.fail('the fault answers'), (e: unknown) => e)) as EmbedderError;
    await assert.rejects(te.embed(texts, { kind: 'document' }), (err: unknown) => {
      assert.ok(err instanceof EmbedderError);
      assert.deepEqual([err.kind, err.message, err.fix, err.transient], [here.kind, here.message, here.fix, here.transient]);
      return true;
    });
    fx.fault = 'none';
    fx.delayMs = 10_000;
    const ac = new AbortController();
    const pending = te.embed(texts, { kind: 'document', signal: ac.signal });
    ac.abort(); // the request is in the worker already: the cancel follows it there
    await assert.rejects(pending, (err: unknown) => err instanceof EmbedderError && err.kind === 'aborted');
  } finally {
    fx.delayMs = 0;
    await te.close();
    await fx.close();
  }
});
