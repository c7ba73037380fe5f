import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { closedPort, startRecordingServer, stall } from '../helpers/servers.js';
import { run } from '../../src/runner/run.js';

for (const engine of ENGINES) {
  test(`[${engine}] a closed port is counted as ECONNREFUSED`, async (t) => {
    if (!engineReady(t, engine)) return;
    const port = await closedPort();
    const result = await run({ engine, target: `http://127.0.0.1:${port}/`, requests: '20', connections: '2' });
    assert.equal(result.engine, engine, 'the engine asked for ran');
    assert.equal(result.totals.attempts, 20);
    assert.equal(result.totals.ok, 0);
    assert.deepEqual(result.totals.errors, { ECONNREFUSED: 20 });
    assert.deepEqual(result.sources[0]!.errors, { ECONNREFUSED: 20 });
  });
}

for (const engine of ENGINES) {
  test(`[${engine}] a stalling target hits the TIMEOUT code`, async (t) => {
    if (!engineReady(t, engine)) return;
    const server = await startRecordingServer(stall);
    try {
      const result = await run({ engine, target: `http://127.0.0.1:${server.port}/`, requests: '4', connections: '4', timeout: '300ms' });
      assert.equal(result.engine, engine, 'the engine asked for ran');
      assert.deepEqual(result.totals.errors, { TIMEOUT: 4 });
      assert.equal(result.latency.connectUs.summary.count, 4, 'the connections were made before the stall');
      assert.equal(server.accepted.length, 4);
    } finally {
      await server.close();
    }
  });
}

for (const engine of ENGINES) {
  test(`[${engine}] non-2xx statuses are counted by class; a cut-short response by CLOSED_EARLY`, async (t) => {
    if (!engineReady(t, engine)) return;
    let n = 0;
    const server = await startRecordingServer((socket) => {
      socket.once('data', () => {
        n++;
        if (n % 2 === 0) socket.end('HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
      });
    });
    try {
      const result = await run({ engine, target: `http://127.0.0.1:${server.port}/`, requests: '10', connections: '1', close: 'server' });
      assert.equal(result.engine, engine, 'the engine asked for ran');
      assert.deepEqual(result.totals.errors, { HTTP_5XX: 5, CLOSED_EARLY: 5 });
      assert.deepEqual(result.totals.statuses, { '503': 5 });
    } finally {
      await server.close();
    }
  });
}
