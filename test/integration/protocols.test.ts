import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createServer } from 'node:https';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { echo, startRecordingServer } from '../helpers/servers.js';
import { run } from '../../src/runner/run.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url));

for (const engine of ENGINES) {
  test(`[${engine}] tcp:// target: connect, send the payload, wait for the expected bytes, close`, async (t) => {
    if (!engineReady(t, engine)) return;
    const server = await startRecordingServer(echo);
    try {
      const result = await run({
        engine,
        target: `tcp://127.0.0.1:${server.port}`,
        payload: 'PING\n',
        expectBytes: '5',
        requests: '30',
        connections: '3',
      });
      assert.equal(result.engine, engine, 'the engine asked for ran');
      assert.match(
        result.engineReason!,
        engine === 'js' ? /^--engine js was given$/ : /^--engine native: the native engine is built here and runs this plan$/,
      );
      assert.equal(result.totals.ok, 30);
      assert.equal(server.accepted.length, 30);
      assert.equal(result.latency.ttfbUs.summary.count, 30);
    } finally {
      await server.close();
    }
  });
}

for (const engine of ENGINES) {
  test(`[${engine}] tcp:// target that closes before the expected bytes: CLOSED_EARLY`, async (t) => {
    if (!engineReady(t, engine)) return;
    const server = await startRecordingServer((s) => s.end('x'));
    try {
      const result = await run({ engine, target: `tcp://127.0.0.1:${server.port}`, expectBytes: '4', requests: '5', connections: '1' });
      assert.equal(result.engine, engine, 'the engine asked for ran');
      assert.deepEqual(result.totals.errors, { CLOSED_EARLY: 5 });
    } finally {
      await server.close();
    }
  });
}

test('https:// target over TLS, one connection per request; an untrusted certificate counts as TLS', async () => {
  let requests = 0;
  const server = createServer({ key: fixture('localhost-key.pem'), cert: fixture('localhost-cert.pem') }, (_req, res) => {
    requests++;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const ok = await run({ target: `https://localhost:${port}/`, insecure: true, requests: '12', connections: '2', close: 'server' });
    assert.equal(ok.totals.ok, 12);
    assert.equal(requests, 12);
    // The native engine has no TLS: the JavaScript one ran, and the result says why (wherever the addon is built or not).
    assert.equal(ok.engine, 'js');
    assert.match(
      ok.engineReason!,
      /^--engine auto: the native engine (cannot run this: it has no TLS .*|is .+), so the JavaScript engine ran$/,
    );
    const refused = await run({ target: `https://localhost:${port}/`, requests: '3', connections: '1' });
    assert.deepEqual(refused.totals.errors, { TLS: 3 });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
