import type { Socket } from 'node:net';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { parseSources } from '../../src/plan/addresses.js';
import { startSampler } from '../../src/sampler/sampler.js';
import { answerHttp, startRecordingServer } from '../helpers/servers.js';
import { testAddresses } from '../helpers/sockets.js';
import { pollUntil } from '../helpers/events.js';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { TestContext } from 'node:test';
import { loadNative } from '../../src/addon/addon.js';
import { procReader, sockDiagReader } from '../../src/sampler/socket-reader.js';
import { engineReady } from '../helpers/engines.js';
import type { SocketSource } from '../../src/result/sockets.js';

/** Both ways of reading socket states: every sampler test runs with each. */
const READERS: readonly SocketSource[] = ['sock_diag', 'proc'];

/** sock_diag reads through the native addon; in CI its absence fails the test. */
function readerReady(t: TestContext, via: SocketSource): boolean {
  return via === 'proc' || engineReady(t, 'native');
}

/** TIME_WAIT rows of /proc/net/tcp, read synchronously: [local address, local port]. */
function timeWaitRows(): [string, number][] {
  return readFileSync('/proc/net/tcp', 'latin1')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '06')
    .map((f) => {
      const [hex, port] = f[1]!.split(':');
      const n = parseInt(hex!, 16);
      return [`${n & 255}.${(n >>> 8) & 255}.${(n >>> 16) & 255}.${n >>> 24}`, parseInt(port!, 16)];
    });
}
const timeWaitOn = (sources: readonly string[]): number => timeWaitRows().filter(([a]) => sources.includes(a)).length;
const timeWaitTowards = (host: string, port: number): number => timeWaitRows().filter(([a, p]) => a === host && p === port).length;

/** Opens one connection from `localAddress`, lets the client close first, resolves when closed. */
function clientClosesFirst(port: number, localAddress: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => socket.write('GET / HTTP/1.1\r\n\r\n'));
    socket.once('data', () => socket.destroy());
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

for (const via of READERS) {
  test(`[${via}] the sampler counts exactly the TIME_WAIT sockets the test made, on the side that closed first`, async (t) => {
    if (!readerReady(t, via)) return;
    // The server answers but never closes, so each client close leaves TIME_WAIT on the client.
    const server = await startRecordingServer((s) => s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')));
    const sources = parseSources(testAddresses(via === 'proc' ? 50 : 150, 3));
    try {
      const sampler = await startSampler({ sources, destinations: [{ host: '127.0.0.1', port: server.port }] }, 100, via);
      for (let i = 0; i < 30; i++) await clientClosesFirst(server.port, sources[i % 3]!);
      // The last FIN exchange may still be under way: wait for the kernel's table, not a clock.
      await pollUntil('30 client TIME_WAIT sockets', 10_000, () => timeWaitOn(sources) === 30);
      const report = await sampler.stop(1000);
      assert.equal(report.via, via);
      const last = report.samples.at(-1)!;
      assert.equal(last.client.TIME_WAIT, 30);
      assert.equal(last.server.TIME_WAIT ?? 0, 0);
      assert.equal(report.peakTimeWait.client, 30);
      assert.deepEqual(report.peakPortsHeld, [10, 10, 10]);
      assert.equal(report.peakOccupancy, 10 / 1000);
      assert.ok(report.samples.length >= 2, 'a sample before and one at the stop (more in between when samples are cheap)');
      assert.ok(report.costMs.mean > 0);
      assert.equal(report.samples[0]!.client.TIME_WAIT ?? 0, 0, 'nothing before the test connected');
    } finally {
      await server.close();
    }
  });

  test(`[${via}] server-side TIME_WAIT is counted on the server side`, async (t) => {
    if (!readerReady(t, via)) return;
    // The server listens on an address of this test run's own: on 127.0.0.1 an earlier socket's
    // TIME_WAIT on the same port (a listener may take a port that only TIME_WAIT holds) would
    // count as the server's too.
    const [client, serverHost] = parseSources(testAddresses(via === 'proc' ? 51 : 151, 2)) as [string, string];
    const server = await startRecordingServer(answerHttp, serverHost);
    const sources = [client];
    try {
      const sampler = await startSampler({ sources, destinations: [{ host: serverHost, port: server.port }] }, 100, via);
      // A distinct source port for each: with a kernel-chosen one, a client that holds no TIME_WAIT
      // (the server closed first) may get the same port again, and that connection takes over the
      // server's TIME_WAIT for the 4-tuple.
      for (let i = 0; i < 12; i++) {
        await new Promise<void>((resolve) => {
          const s = connect({ host: serverHost, port: server.port, localAddress: client, localPort: 61300 + i }, () => s.write('x'));
          s.resume();
          s.on('close', () => resolve());
        });
      }
      await pollUntil('12 server TIME_WAIT sockets', 10_000, () => timeWaitTowards(serverHost, server.port) === 12);
      const report = await sampler.stop(null);
      assert.equal(report.peakTimeWait.server, 12);
      assert.equal(report.peakTimeWait.client, 0);
      assert.equal(report.peakOccupancy, null);
      assert.equal(report.via, via);
    } finally {
      await server.close();
    }
  });
}

test('sock_diag and /proc/net/tcp count the same sockets: open, TIME_WAIT, both sides, IPv4 and IPv6', async (t) => {
  const native = loadNative();
  if (!readerReady(t, 'sock_diag')) return;
  // A server on each family that answers and keeps the connection, so the test holds ESTABLISHED
  // sockets on both sides, then closes half of them first from the client (client TIME_WAIT).
  const servers = [
    await startRecordingServer((s) => s.on('data', () => s.write('x'))),
    await startRecordingServer((s) => s.on('data', () => s.write('x')), '::1'),
  ];
  const sources = parseSources(testAddresses(152, 2));
  const open: Socket[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      const [server, localAddress, host] = i % 2 === 0 ? [servers[0]!, sources[(i / 2) % 2]!, '127.0.0.1'] : [servers[1]!, '::1', '::1'];
      const socket = connect({ host, port: server.port, localAddress });
      await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
      open.push(socket);
    }
    for (const socket of open.slice(0, 4)) await new Promise<void>((resolve) => socket.once('close', () => resolve()).destroy());
    const destinations = [
      { host: '127.0.0.1', port: servers[0]!.port },
      { host: '::1', port: servers[1]!.port },
    ];
    // With the sources (bind modes) and without (kernel mode: any client of the destinations).
    const readers = [
      { sources, destinations },
      { sources: [], destinations },
    ].map((scope) => ({ proc: procReader(scope), diag: sockDiagReader(native.addon!, scope) }));
    // The kernel may still be moving a closed socket along (FIN_WAIT2 to TIME_WAIT, the server's
    // LAST_ACK): read both until they agree, within a bound.
    const readAll = () => readers.map((r) => ({ proc: r.proc.read(), diag: r.diag.read() }));
    let last = readAll();
    await pollUntil('both readers to agree on 4 client TIME_WAIT', 10_000, () => {
      last = readAll();
      // Compared as values: the two readers meet the states in different orders.
      return last.every((l) => isDeepStrictEqual(l.proc, l.diag)) && (last[1]!.diag.client.TIME_WAIT ?? 0) === 4;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; last read: ${JSON.stringify(last)}`);
    });
    const [withSources, anyClient] = last;
    assert.deepEqual(withSources!.diag, withSources!.proc);
    assert.deepEqual(anyClient!.diag, anyClient!.proc);
    // From the two IPv4 sources: 2 open, 2 TIME_WAIT, 2 ports each; ::1 is not a source.
    assert.deepEqual(withSources!.diag.client, { ESTABLISHED: 2, TIME_WAIT: 2 });
    assert.deepEqual(withSources!.diag.portsHeld, [2, 2]);
    // Any client, IPv4 and IPv6: 4 open, 4 TIME_WAIT; the servers' 4 open on their side.
    assert.deepEqual(anyClient!.diag.client, { ESTABLISHED: 4, TIME_WAIT: 4 });
    assert.deepEqual(anyClient!.diag.server, { ESTABLISHED: 4 });
  } finally {
    for (const socket of open) socket.destroy();
    for (const server of servers) await server.close();
  }
});
