import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSources } from '../../src/plan/addresses.js';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { answerHttp, startRecordingServer } from '../helpers/servers.js';
import { testAddresses } from '../helpers/sockets.js';
import { run } from '../../src/runner/run.js';

for (const engine of ENGINES) {
  test(`[${engine}] four sources: the built-in target sees exactly those four addresses, evenly (±1)`, async (t) => {
    if (!engineReady(t, engine)) return;
    const spec = testAddresses(41, 4);
    const sources = parseSources(spec);
    const result = await run({ engine, sources: spec, requests: '401', connections: '8', close: 'server' });
    assert.equal(result.engine, engine, 'the engine asked for ran');
    assert.equal(result.totals.attempts, 401);
    assert.equal(result.totals.ok, 401);
    const seen = result.target.stats!.byRemoteAddress;
    assert.deepEqual(Object.keys(seen).sort(), [...sources].sort());
    const counts = Object.values(seen).map((c) => c.connections);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `uneven: ${counts.join(',')}`);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      401,
    );
    assert.deepEqual(
      result.sources.map((s) => s.address),
      sources,
    );
    assert.deepEqual(result.sources.map((s) => s.ok).sort(), [100, 100, 100, 101]);
  });
}

for (const engine of ENGINES) {
  test(`[${engine}] explicit mode: each connection leaves from the port the tool chose, cycling per address`, async (t) => {
    if (!engineReady(t, engine)) return;
    const server = await startRecordingServer(answerHttp);
    try {
      const spec = testAddresses(43, 2);
      const sources = parseSources(spec);
      const result = await run({
        engine,
        target: `http://127.0.0.1:${server.port}/`,
        sources: spec,
        portMode: 'explicit',
        explicitPorts: '61100-61119',
        requests: '40',
        connections: '1',
        close: 'server',
      });
      assert.equal(result.engine, engine, 'the engine asked for ran');
      assert.equal(result.totals.ok, 40);
      assert.deepEqual(result.plan.explicitPorts, { low: 61100, high: 61119 });
      for (const address of sources) {
        const ports = server.accepted.filter((a) => a.address === address).map((a) => a.port);
        assert.equal(ports.length, 20, address);
        assert.deepEqual(
          [...ports].sort((a, b) => a - b),
          Array.from({ length: 20 }, (_, i) => 61100 + i),
          address,
        );
      }
    } finally {
      await server.close();
    }
  });
}

test('bind mode over IPv6 ::1', async () => {
  const result = await run({ listen: '[::1]:0', sources: '::1', requests: '20', connections: '2', close: 'server' });
  assert.equal(result.totals.ok, 20);
  assert.deepEqual(Object.keys(result.target.stats!.byRemoteAddress), ['::1']);
  assert.equal(result.target.endpoints[0]!.host, '::1');
});

test('--workers 2: the sources are split between threads and the merged result counts everything once', async () => {
  const spec = testAddresses(52, 4);
  const sources = parseSources(spec);
  const result = await run({ sources: spec, requests: '400', connections: '8', close: 'server', workers: 2 });
  assert.equal(result.plan.workers, 2);
  assert.equal(result.totals.attempts, 400);
  assert.equal(result.totals.ok, 400);
  assert.equal(result.latency.totalUs.summary.count, 400);
  assert.equal(
    result.timeSeries.reduce((a, s) => a + s.ok, 0),
    400,
  );
  assert.deepEqual(
    result.sources.map((s) => [s.address, s.attempts]),
    sources.map((a) => [a, 100]),
  );
  const seen = result.target.stats!.byRemoteAddress;
  assert.deepEqual(Object.keys(seen).sort(), [...sources].sort());
  assert.ok(Object.values(seen).every((c) => c.connections === 100));
});
