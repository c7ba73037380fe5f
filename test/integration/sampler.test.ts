import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { parseSources } from '../../src/plan/addresses.js';
import { startSampler } from '../../src/sampler/sampler.js';
import { answerHttp, startRecordingServer } from '../helpers/servers.js';
import { testAddresses } from '../helpers/sockets.js';
import { pollUntil } from '../helpers/events.js';
import { readFileSync } from 'node:fs';

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
const timeWaitTowards = (port: number): number => timeWaitRows().filter(([, p]) => p === port).length;

/** Opens one connection from `localAddress`, lets the client close first, resolves when closed. */
function clientClosesFirst(port: number, localAddress: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => socket.write('GET / HTTP/1.1\r\n\r\n'));
    socket.once('data', () => socket.destroy());
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

test('the sampler counts exactly the TIME_WAIT sockets the test made, on the side that closed first', async () => {
  // The server answers but never closes, so each client close leaves TIME_WAIT on the client.
  const server = await startRecordingServer((s) => s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')));
  const sources = parseSources(testAddresses(50, 3));
  try {
    const sampler = await startSampler({ sources, destinations: [{ host: '127.0.0.1', port: server.port }] }, 100);
    for (let i = 0; i < 30; i++) await clientClosesFirst(server.port, sources[i % 3]!);
    // The last FIN exchange may still be under way: wait for the kernel's table, not a clock.
    await pollUntil('30 client TIME_WAIT sockets', 10_000, () => timeWaitOn(sources) === 30);
    const report = await sampler.stop(1000);
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

test('server-side TIME_WAIT is counted on the server side', async () => {
  const server = await startRecordingServer(answerHttp);
  const sources = parseSources(testAddresses(51, 1));
  try {
    const sampler = await startSampler({ sources, destinations: [{ host: '127.0.0.1', port: server.port }] }, 100);
    for (let i = 0; i < 12; i++) {
      await new Promise<void>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: server.port, localAddress: sources[0] }, () => s.write('x'));
        s.resume();
        s.on('close', () => resolve());
      });
    }
    await pollUntil('12 server TIME_WAIT sockets', 10_000, () => timeWaitTowards(server.port) === 12);
    const report = await sampler.stop(null);
    assert.equal(report.peakTimeWait.server, 12);
    assert.equal(report.peakTimeWait.client, 0);
    assert.equal(report.peakOccupancy, null);
  } finally {
    await server.close();
  }
});
