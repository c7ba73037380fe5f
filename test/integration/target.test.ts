import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { loadNative } from '../../src/addon/addon.js';
import { startBuiltinTarget, type BuiltinTarget } from '../../src/builtin-target/builtin-target.js';
import type { TargetOptions } from '../../src/builtin-target/target-options.js';
import { run } from '../../src/runner/run.js';
import { pollUntilAsync, waitUntil } from '../helpers/events.js';
import { prerequisite } from '../helpers/prereq.js';
import { socketsWhere, testAddresses } from '../helpers/sockets.js';
import type { TcpSocketEntry } from '../../src/env/proc-net-tcp.js';

/** Both built-in targets: every behaviour test runs once for each (`[native target] ...`, `[js target] ...`). */
const TARGETS = ['native', 'js'] as const;
type TargetKind = (typeof TARGETS)[number];

function targetReady(t: TestContext, kind: TargetKind): boolean {
  if (kind === 'js') return true;
  const native = loadNative();
  return prerequisite(t, native.addon !== null, `the native target is ${native.addon === null ? native.reason : 'there'}`);
}

async function withTarget(
  kind: TargetKind,
  options: Partial<TargetOptions>,
  body: (target: BuiltinTarget) => Promise<void>,
): Promise<void> {
  const target = await startBuiltinTarget({
    listen: [{ host: '127.0.0.1', port: 0 }],
    close: 'server',
    delayMs: 0,
    bodyBytes: 2,
    engine: kind,
    ...options,
  });
  assert.equal(target.engine, kind);
  try {
    await body(target);
  } finally {
    await target.close();
  }
}

/** A raw client: what it received, and whether the target ended the connection (its FIN or an error). */
interface RawClient {
  readonly socket: Socket;
  received(): string;
  ended(): boolean;
  /** Resolves once `ready` holds of what was received (bounded). */
  until(what: string, ready: (text: string, ended: boolean) => boolean, timeoutMs?: number): Promise<void>;
}

async function rawClient(port: number): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port });
  let text = '';
  let ended = false;
  const listeners = new Set<() => void>();
  const wake = (): void => listeners.forEach((l) => l());
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    wake();
  });
  socket.on('end', () => {
    ended = true;
    wake();
  });
  socket.on('error', () => {
    ended = true;
    wake();
  });
  socket.on('close', () => {
    ended = true;
    wake();
  });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return {
    socket,
    received: () => text,
    ended: () => ended,
    until: (what, ready, timeoutMs = 10_000) =>
      waitUntil(
        what,
        timeoutMs,
        () => ready(text, ended),
        (w) => {
          listeners.add(w);
          return () => listeners.delete(w);
        },
      ),
  };
}

/**
 * The two ends of one connection, by both ports: a client port alone can match a TIME_WAIT left
 * on the host by an earlier connection to another destination that had the same port number.
 */
function isThisConnection(s: TcpSocketEntry, clientPort: number, targetPort: number): boolean {
  return (s.localPort === clientPort && s.remotePort === targetPort) || (s.localPort === targetPort && s.remotePort === clientPort);
}

const responses = (text: string): number => text.split('HTTP/1.1 200 OK').length - 1;

for (const kind of TARGETS) {
  test(`[${kind} target] --close server: Connection: close, the target's FIN first, its TIME_WAIT; client: kept open until the client's FIN`, async (t) => {
    if (!targetReady(t, kind)) return;
    await withTarget(kind, { close: 'server' }, async (target) => {
      const c = await rawClient(target.addresses[0]!.port);
      c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.until('the response and the FIN', (text, ended) => responses(text) === 1 && ended);
      assert.match(c.received(), /\r\nConnection: close\r\n/i);
      const port = c.socket.localPort!;
      const sides = async (): Promise<string[]> =>
        (await socketsWhere((s) => isThisConnection(s, port, target.addresses[0]!.port))).map(
          (s) => `${s.localPort === port ? 'client' : 'target'} ${s.state}`,
        );
      // Once the client's FIN is in, the target's side moves to TIME_WAIT (a state no event announces).
      await pollUntilAsync('the target side in TIME_WAIT', 5000, async () => (await sides()).includes('target TIME_WAIT'));
      assert.deepEqual(await sides(), ['target TIME_WAIT'], 'the TIME_WAIT is on the target side only');
    });
    await withTarget(kind, { close: 'client' }, async (target) => {
      const c = await rawClient(target.addresses[0]!.port);
      // Even asked to close, and even over HTTP/1.0, the target waits for the client: had it closed
      // first, the TIME_WAIT below would be on its side.
      c.socket.write('GET / HTTP/1.0\r\nConnection: close\r\n\r\n');
      await c.until('the response', (text) => responses(text) === 1);
      const port = c.socket.localPort!;
      c.socket.end();
      await c.until('the close', (_text, ended) => ended);
      const sides = async (): Promise<string[]> =>
        (await socketsWhere((s) => isThisConnection(s, port, target.addresses[0]!.port))).map(
          (s) => `${s.localPort === port ? 'client' : 'target'} ${s.state}`,
        );
      await pollUntilAsync(
        'the client side in TIME_WAIT, the target side gone',
        5000,
        async () => (await sides()).join() === 'client TIME_WAIT',
      );
      // A client that sends its request and its FIN at once still gets the answer, and the
      // connection ends then, not at the idle timeout.
      const halfClosed = await rawClient(target.addresses[0]!.port);
      halfClosed.socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await halfClosed.until('the answer and the close', (text, ended) => responses(text) === 1 && ended);
      const stats = await target.stats();
      assert.deepEqual([stats.connections, stats.requests], [2, 2]);
    });
  });

  test(`[${kind} target] exact counts per remote and local address, the stats endpoint uncounted, a delay before each answer`, async (t) => {
    if (!targetReady(t, kind)) return;
    const result = await run({
      targetEngine: kind,
      sources: testAddresses(kind === 'js' ? 48 : 148, 4),
      listen: '127.0.0.1:0,127.0.0.1:0',
      requests: '200',
      connections: '8',
      close: 'server',
      delay: '20ms',
    });
    assert.equal(result.target.engine, kind);
    assert.equal(result.totals.ok, 200);
    const stats = result.target.stats!;
    assert.deepEqual([stats.connections, stats.requests], [200, 200]);
    assert.deepEqual(
      Object.values(stats.byRemoteAddress).map((c) => [c.connections, c.requests]),
      [
        [50, 50],
        [50, 50],
        [50, 50],
        [50, 50],
      ],
    );
    assert.deepEqual(
      Object.values(stats.byLocalAddress).map((c) => c.requests),
      [100, 100],
    );
    assert.deepEqual(stats.ended, { connections: 200, requests: 200, maxRequests: 1 }, 'each connection ended after its one request');
    // No answer before its delay: the fastest of 200 took at least the 20 ms, less the millisecond
    // by which libuv's timers (on a loop time cached each turn) may run early, and one more of margin.
    assert.ok(result.latency.totalUs.summary.minUs >= 18_000, `min ${result.latency.totalUs.summary.minUs} µs`);
    await withTarget(kind, {}, async (target) => {
      const response = await fetch(`http://127.0.0.1:${target.addresses[0]!.port}/__portchurn/stats`);
      const body = (await response.json()) as { connections: number; requests: number };
      assert.deepEqual([body.connections, body.requests], [1, 0]);
    });
  });

  test(`[${kind} target] hostile clients: a line too long, bytes that are not HTTP, a head that never ends, each closed (and counted by the native target)`, async (t) => {
    if (!targetReady(t, kind)) return;
    await withTarget(kind, { headTimeoutMs: 300 }, async (target) => {
      const port = target.addresses[0]!.port;
      const long = await rawClient(port);
      long.socket.write(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await long.until('the target to close a 20 KB request line', (_text, ended) => ended);
      assert.match(long.received(), /^HTTP\/1\.1 (400|414|431)/);
      const garbage = await rawClient(port);
      garbage.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x0d, 0x0a, 0x0d, 0x0a]));
      await garbage.until('the target to close a TLS hello', (_text, ended) => ended);
      const half = await rawClient(port);
      half.socket.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      await half.until('the head timeout to close a head that never ends', (_text, ended) => ended);
      const stats = await target.stats();
      assert.equal(stats.requests, 0, 'none of them was a request');
      if (kind === 'native')
        assert.deepEqual(stats.refused, { tooLong: 1, malformed: 1, headTimeout: 1, acceptErrors: 0, writeTimeout: 0 });
    });
  });

  test(`[${kind} target] --close client: 500 clients that send the request and their FIN at once are all answered and closed, none left for the idle timeout`, async (t) => {
    if (!targetReady(t, kind)) return;
    await withTarget(kind, { close: 'client', idleTimeoutMs: 60_000 }, async (target) => {
      for (let round = 0; round < 10; round++) {
        const clients = await Promise.all(Array.from({ length: 50 }, () => rawClient(target.addresses[0]!.port)));
        for (const c of clients) c.socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        await Promise.all(clients.map((c) => c.until('the answer and the close', (text, ended) => responses(text) === 1 && ended)));
      }
      assert.equal((await target.stats()).requests, 500);
    });
  });

  test(`[${kind} target] keepalive: a few connections carry every request`, async (t) => {
    if (!targetReady(t, kind)) return;
    const result = await run({
      targetEngine: kind,
      sources: testAddresses(kind === 'js' ? 49 : 149, 2),
      requests: '400',
      connections: '4',
      close: 'keepalive',
    });
    assert.equal(result.target.engine, kind);
    assert.equal(result.totals.ok, 400);
    assert.equal(result.target.stats!.requests, 400);
    assert.ok(result.target.stats!.connections <= 4, `${result.target.stats!.connections} connections`);
    // Every connection has ended by the time the counts are final; between them they carried every request.
    const ended = result.target.stats!.ended!;
    assert.deepEqual([ended.connections, ended.requests], [result.target.stats!.connections, 400]);
    assert.ok(ended.maxRequests >= 100 && ended.maxRequests <= 400, `the busiest connection carried ${ended.maxRequests}`);
  });
}

test('[native target] two threads: the kernel spreads connections over both listeners, the counts add up exactly, each thread has its CPU time', async (t) => {
  if (!targetReady(t, 'native')) return;
  const result = await run({
    targetEngine: 'native',
    targetThreads: '2',
    sources: testAddresses(150, 8),
    requests: '800',
    connections: '16',
    close: 'server',
  });
  assert.equal(result.target.threads, 2);
  const stats = result.target.stats!;
  assert.deepEqual([stats.connections, stats.requests], [800, 800]);
  assert.deepEqual(
    Object.values(stats.byRemoteAddress).map((c) => c.requests),
    Array(8).fill(100),
  );
  assert.equal(stats.threadCpu?.length, 2);
  assert.ok(
    stats.threadCpu!.every((c) => c !== null),
    'both threads have a CPU time',
  );
  assert.equal(stats.countsComplete, true);
});

test('the target is chosen like the engine and the result says why; --target-engine native without the addon refuses before any traffic', async () => {
  const js = await run({ targetEngine: 'js', requests: '20', connections: '2' });
  assert.deepEqual([js.target.engine, js.target.engineReason], ['js', '--target-engine js was given']);
  const auto = await run({ requests: '20', connections: '2' });
  if (loadNative().addon)
    assert.match(auto.target.engineReason!, /^--target-engine auto: the native target is built here \(\d+ threads?\)$/);
  else assert.match(auto.target.engineReason!, /^--target-engine auto: the native target is .+, so the JavaScript one ran$/);
});

test('[native target] --target-protocol tcp: a greeting at accept, the close policy deciding whose TIME_WAIT, the JavaScript target refusing', async (t) => {
  if (!targetReady(t, 'native')) return;
  for (const [close, block] of [
    ['server', 151],
    ['client', 152],
  ] as const) {
    const result = await run({
      targetProtocol: 'tcp',
      bodySize: '5',
      payload: 'PING\r\n',
      sources: testAddresses(block, 2),
      portMode: 'explicit',
      explicitPorts: '61300-61349',
      requests: '50',
      connections: '5',
      close,
    });
    assert.equal(result.target.engine, 'native');
    assert.match(result.target.url, /^tcp:\/\//);
    assert.equal(result.plan.tcp.expectBytes, 5, 'the greeting read whole by default');
    assert.deepEqual([result.totals.ok, result.target.stats!.connections, result.target.stats!.requests], [50, 50, 50]);
    const last = result.sockets!.samples.at(-1)!;
    assert.deepEqual([last.client.TIME_WAIT ?? 0, last.server.TIME_WAIT ?? 0], close === 'server' ? [0, 50] : [50, 0], `--close ${close}`);
  }
  await assert.rejects(run({ targetProtocol: 'tcp', targetEngine: 'js', requests: '5' }), /--target-protocol tcp needs the native target/);
});

for (const kind of TARGETS) {
  test(`[${kind} target] pipelined HTTP/1.1 (TechEmpower's depth 16) with the client closing: every request answered, in order, the connection kept`, async (t) => {
    if (!targetReady(t, kind)) return;
    await withTarget(kind, { close: 'client' }, async (target) => {
      const client = await rawClient(target.addresses[0]!.port);
      const stats = 'GET /__portchurn/stats HTTP/1.1\r\nHost: t\r\n\r\n';
      const plain = 'GET / HTTP/1.1\r\nHost: t\r\n\r\n';
      // Sixteen requests in one write, the eighth asking for the stats: its answer must come eighth.
      client.socket.write(Array.from({ length: 16 }, (_, i) => (i === 7 ? stats : plain)).join(''));
      await client.until('16 answers', (text) => responses(text) === 16);
      const kinds = client
        .received()
        .split('HTTP/1.1 200 OK')
        .slice(1)
        .map((r) => (/Content-Type: application\/json/i.test(r) ? 'stats' : 'text'));
      assert.deepEqual(
        kinds,
        Array.from({ length: 16 }, (_, i) => (i === 7 ? 'stats' : 'text')),
      );
      assert.equal(client.ended(), false, 'kept for the next request');
      client.socket.destroy();
      const s = await target.stats();
      assert.equal(s.requests, 15, 'the stats request is not counted');
    });
  });
}
