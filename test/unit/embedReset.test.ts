import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { EmbedderError } from '../../src/core/embed/types';
import { callWithPolicy } from '../../src/core/embed/util';

// A server that drops the first connection it is sent a request on (as one does to a kept-alive
// connection it closed while idle), then answers.
test('a connection reset is tried again once, even by a caller allowed a single attempt', async () => {
  let requests = 0;
  let resetAll = false;
  const server = http.createServer((req, res) => {
    requests++;
    if (requests === 1 || resetAll) req.socket.destroy();
    else res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const policy = { timeoutMs: 5000, attempts: 1, classify: (err: unknown) => new EmbedderError('unreachable', String(err)) };
  try {
    const body = await callWithPolicy(async (signal) => (await fetch(url, { signal })).json(), policy);
    assert.deepEqual(body, { ok: true });
    assert.equal(requests, 2);
    // Only once: a server that keeps resetting fails as before.
    resetAll = true;
    requests = 0;
    await assert.rejects(callWithPolicy(async (signal) => (await fetch(url, { signal })).json(), policy), EmbedderError);
    assert.equal(requests, 2);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
