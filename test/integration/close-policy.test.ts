import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSources } from '../../src/plan/addresses.js';
import type { ClosePolicy } from '../../src/plan/plan.js';
import { run } from '../../src/run.js';
import { socketsWhere, testAddresses } from '../helpers/sockets.js';

/**
 * Runs 50 connections from a fresh address and counts TIME_WAIT on each side. Explicit ports
 * make every 4-tuple distinct: with bind(addr, 0) the kernel may hand out a port twice when the
 * client holds no TIME_WAIT on it, and the second connection then takes over the server's
 * TIME_WAIT for that 4-tuple, so a count would be one short now and then.
 */
async function timeWaitAfter(close: ClosePolicy, block: number): Promise<{ client: number; server: number; ok: number }> {
  const spec = testAddresses(block, 1);
  const [source] = parseSources(spec);
  // On the host (--no-netns): the test reads the TIME_WAIT table of its own namespace.
  const result = await run({ netns: false, sources: spec, portMode: 'explicit', explicitPorts: '61200-61249', requests: '50', connections: '5', close });
  const port = result.target.endpoints[0]!.port;
  const tw = await socketsWhere((s) => s.state === 'TIME_WAIT');
  return {
    ok: result.totals.ok,
    client: tw.filter((s) => s.localAddress === source && s.remotePort === port).length,
    server: tw.filter((s) => s.localPort === port && s.remoteAddress === source).length,
  };
}

test('--close client leaves the TIME_WAIT on the client side', async () => {
  assert.deepEqual(await timeWaitAfter('client', 44), { ok: 50, client: 50, server: 0 });
});

test('--close server leaves the TIME_WAIT on the server side', async () => {
  assert.deepEqual(await timeWaitAfter('server', 45), { ok: 50, client: 0, server: 50 });
});

test('--close reset leaves no TIME_WAIT on either side', async () => {
  assert.deepEqual(await timeWaitAfter('reset', 46), { ok: 50, client: 0, server: 0 });
});

test('--close keepalive reuses a few connections for every request', async () => {
  const result = await run({ sources: testAddresses(47, 2), requests: '200', connections: '4', close: 'keepalive' });
  assert.equal(result.totals.ok, 200);
  assert.equal(result.target.stats!.requests, 200);
  assert.ok(result.target.stats!.connections <= 4, `${result.target.stats!.connections} connections`);
  assert.equal(Object.keys(result.target.stats!.byRemoteAddress).length, 2);
});

test('TIME_WAIT left by an earlier run on the same sources is counted and warned about', async () => {
  const spec = testAddresses(49, 1);
  const first = await run({ netns: false, sources: spec, requests: '30', connections: '3', close: 'client' });
  assert.equal(first.carryOver.timeWait, 0);
  assert.deepEqual(first.warnings, []);
  const second = await run({ netns: false, sources: spec, requests: '5', connections: '1', close: 'client' });
  assert.equal(second.carryOver.timeWait, 30);
  assert.match(second.warnings.join('\n'), /30 TIME_WAIT sockets from earlier runs were already on the source address/);
});

test('in kernel mode only TIME_WAIT towards the same target counts as carry-over', async () => {
  const { startRecordingServer } = await import('../helpers/servers.js');
  const server = await startRecordingServer((s) => s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')));
  try {
    const target = `http://127.0.0.1:${server.port}/`;
    // The port came from the ephemeral range, so an older TIME_WAIT towards a server that once
    // had the same port may be there too: count relative to what the first run saw.
    const first = await run({ target, requests: '25', connections: '1', close: 'client' });
    const second = await run({ target, requests: '1', connections: '1', close: 'client' });
    assert.ok(second.carryOver.timeWait >= 25 && second.carryOver.timeWait <= first.carryOver.timeWait + 25, `${first.carryOver.timeWait} then ${second.carryOver.timeWait}`);
    assert.deepEqual(second.carryOver.addresses, [`127.0.0.1:${server.port}`]);
    assert.match(second.warnings.join('\n'), /already towards the target/);
  } finally {
    await server.close();
  }
});

test('raw keepalive: connections are reused, except when the server asks to close', async () => {
  const { startRecordingServer } = await import('../helpers/servers.js');
  const answer = (close: boolean) => (socket: import('node:net').Socket) =>
    socket.on('data', () => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${close ? 'Connection: close\r\n' : ''}\r\nok`));
  const keeping = await startRecordingServer(answer(false));
  const closing = await startRecordingServer(answer(true));
  try {
    const reused = await run({ target: `http://127.0.0.1:${keeping.port}/`, requests: '40', connections: '1', close: 'keepalive', sampleInterval: '0s' });
    assert.equal(reused.plan.keepaliveClient, 'raw');
    assert.equal(reused.totals.ok, 40);
    assert.equal(keeping.accepted.length, 1, 'one connection for every request');
    const closed = await run({ target: `http://127.0.0.1:${closing.port}/`, requests: '40', connections: '1', close: 'keepalive', sampleInterval: '0s' });
    assert.equal(closed.totals.ok, 40);
    assert.equal(closing.accepted.length, 40, 'a new connection after each Connection: close');
  } finally {
    await keeping.close();
    await closing.close();
  }
});
