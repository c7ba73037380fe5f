import type { Socket } from 'node:net';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClosePolicy } from '../../src/plan/plan.js';
import type { TestContext } from 'node:test';
import type { RunResult } from '../../src/result/result.js';
import { BIN, runCli } from '../helpers/cli.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { testAddresses } from '../helpers/sockets.js';
import { run } from '../../src/runner/run.js';

/**
 * Runs 50 connections from a fresh address and counts TIME_WAIT on each side, as the run's own
 * sampler saw it after the target closed. Where a namespace can be made the run has its own, so a
 * full TIME_WAIT table on the host (closes skipping TIME_WAIT) cannot hide what is measured, and
 * the kernel's TW counter must agree. Explicit ports make every 4-tuple distinct: with bind(addr,
 * 0) the kernel may hand out a port twice when the client holds no TIME_WAIT on it, and the second
 * connection then takes over the server's TIME_WAIT for that 4-tuple, so a count would be one
 * short now and then.
 */
async function timeWaitAfter(
  close: ClosePolicy,
  block: number,
  engine: (typeof ENGINES)[number],
): Promise<{ client: number; server: number; ok: number }> {
  const result = await run({
    engine,
    sources: testAddresses(block, 1),
    portMode: 'explicit',
    explicitPorts: '61200-61249',
    requests: '50',
    connections: '5',
    close,
  });
  assert.equal(result.engine, engine);
  const last = result.sockets!.samples.at(-1)!;
  const counts = { ok: result.totals.ok, client: last.client.TIME_WAIT ?? 0, server: last.server.TIME_WAIT ?? 0 };
  if (result.kernel?.scope === 'namespace')
    assert.equal(result.kernel.tcpExt.TW, counts.client + counts.server, 'the kernel counted as many');
  return counts;
}

for (const engine of ENGINES) {
  test(`[${engine}] --close client leaves the TIME_WAIT on the client side`, async (t) => {
    if (!engineReady(t, engine)) return;
    assert.deepEqual(await timeWaitAfter('client', engine === 'js' ? 44 : 144, engine), { ok: 50, client: 50, server: 0 });
  });

  test(`[${engine}] --close server leaves the TIME_WAIT on the server side`, async (t) => {
    if (!engineReady(t, engine)) return;
    assert.deepEqual(await timeWaitAfter('server', engine === 'js' ? 45 : 145, engine), { ok: 50, client: 0, server: 50 });
  });

  test(`[${engine}] --close reset leaves no TIME_WAIT on either side`, async (t) => {
    if (!engineReady(t, engine)) return;
    assert.deepEqual(await timeWaitAfter('reset', engine === 'js' ? 46 : 146, engine), { ok: 50, client: 0, server: 0 });
  });
}

for (const engine of ENGINES) {
  test(`[${engine}] --close keepalive reuses a few connections for every request`, async (t) => {
    if (!engineReady(t, engine)) return;
    const result = await run({
      engine,
      sources: testAddresses(engine === 'js' ? 47 : 147, 2),
      requests: '200',
      connections: '4',
      close: 'keepalive',
    });
    assert.equal(result.engine, engine);
    assert.equal(result.totals.ok, 200);
    assert.equal(result.target.stats!.requests, 200);
    assert.ok(result.target.stats!.connections <= 4, `${result.target.stats!.connections} connections`);
    assert.equal(Object.keys(result.target.stats!.byRemoteAddress).length, 2);
  });
}

/**
 * Runs `portchurn` command lines one after another on the host of a namespace the test makes
 * (`--no-netns` inside it), so the TIME_WAIT they leave for each other is theirs alone, whatever
 * the real host's table holds. Returns each one's JSON result.
 */
async function inOneNamespace(t: TestContext, commands: readonly string[][], before = ''): Promise<RunResult[]> {
  if (!prerequisite(t, CAN_UNSHARE, "needs root and unshare -n for a namespace of the test's own")) return [];
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const lines = commands.map(
    (c) => `${quote(process.execPath)} ${quote(BIN)} ${c.map(quote).join(' ')} --no-netns --json --out "$D" && echo '\u001e'`,
  );
  const script = `set -e; ip link set lo up; D=$(mktemp -d); ${before} ${lines.join('; ')}; rm -rf "$D"`;
  const out = await runCli([], { wrapper: ['unshare', '-n', 'bash', '-c', script, 'bash'] }).catch((e: Error) => ({
    status: -1,
    stdout: '',
    stderr: e.message,
  }));
  assert.equal(out.status, 0, out.stderr);
  return out.stdout
    .split('\u001e')
    .filter((p) => p.trim())
    .map((p) => JSON.parse(p) as RunResult);
}

test('TIME_WAIT left by an earlier run on the same sources is counted and warned about', async (t) => {
  const run = ['run', '--sources', '127.0.49.1', '--close', 'client', '-c', '1'];
  const results = await inOneNamespace(t, [
    [...run, '-n', '30'],
    [...run, '-n', '5'],
  ]);
  if (results.length === 0) return;
  const [first, second] = results;
  assert.equal(first!.carryOver.timeWait, 0);
  assert.deepEqual(first!.warnings, []);
  assert.equal(second!.carryOver.timeWait, 30);
  assert.match(second!.warnings.join('\n'), /30 TIME_WAIT sockets from earlier runs were already on the source address/);
});

test('in kernel mode only TIME_WAIT towards the same target counts as carry-over', async (t) => {
  // A target outside the runs (portchurn serve, started in the same namespace and waited for
  // with a bounded poll of its port), reached twice.
  const target = ['--target', 'http://127.0.0.1:18080/', '--close', 'client', '-c', '1'];
  const serve = `${process.execPath} ${BIN} serve --listen 127.0.0.1:18080 --close client --duration 60s >/dev/null 2>&1 & S=$!; trap 'kill $S' EXIT; for i in $(seq 1 1000); do (exec 3<>/dev/tcp/127.0.0.1/18080) 2>/dev/null && break; sleep 0.01; done;`;
  const results = await inOneNamespace(
    t,
    [
      ['run', ...target, '-n', '25'],
      ['run', ...target, '-n', '1'],
      ['run', '--close', 'client', '-c', '1', '-n', '1'],
    ],
    serve,
  );
  if (results.length === 0) return;
  const [first, second, elsewhere] = results;
  // The readiness probe's one connection left a TIME_WAIT towards the target before the first run.
  assert.equal(first!.carryOver.timeWait, 1);
  assert.equal(second!.carryOver.timeWait, 1 + 25);
  assert.deepEqual(second!.carryOver.addresses, ['127.0.0.1:18080']);
  assert.match(second!.warnings.join('\n'), /already towards the target/);
  // None of the 26 towards 18080 counts for the built-in target on another port. (Its port may be
  // one that a client of serve used, whose server-side TIME_WAIT then names it as the remote end:
  // counted, though it blocks only a connection from port 18080. Hence below 26, not 0.)
  assert.ok(elsewhere!.carryOver.timeWait < 26, `${elsewhere!.carryOver.timeWait}`);
  assert.ok(elsewhere!.carryOver.timeWait <= 1, `${elsewhere!.carryOver.timeWait}`);
});

for (const engine of ENGINES) {
  test(`[${engine}] raw keepalive: connections are reused, except when the server asks to close or speaks HTTP/1.0`, async (t) => {
    if (!engineReady(t, engine)) return;
    const { startRecordingServer } = await import('../helpers/servers.js');
    const answer = (head: string) => (socket: Socket) => socket.on('data', () => socket.write(`${head}\r\nContent-Length: 2\r\n\r\nok`));
    const servers = {
      keeping: await startRecordingServer(answer('HTTP/1.1 200 OK')),
      closing: await startRecordingServer(answer('HTTP/1.1 200 OK\r\nConnection: close')),
      http10: await startRecordingServer(answer('HTTP/1.0 200 OK')),
      http10KeepAlive: await startRecordingServer(answer('HTTP/1.0 200 OK\r\nConnection: Keep-Alive')),
    };
    try {
      const accepted: Record<string, number> = {};
      for (const [name, server] of Object.entries(servers)) {
        const result = await run({
          engine,
          target: `http://127.0.0.1:${server.port}/`,
          requests: '40',
          connections: '1',
          close: 'keepalive',
          sampleInterval: '0s',
        });
        assert.equal(result.plan.keepaliveClient, 'raw');
        assert.equal(result.engine, engine);
        assert.equal(result.totals.ok, 40, name);
        accepted[name] = server.accepted.length;
      }
      // One connection for every request; a new one after each Connection: close or plain HTTP/1.0.
      assert.deepEqual(accepted, { keeping: 1, closing: 40, http10: 40, http10KeepAlive: 1 });
    } finally {
      for (const server of Object.values(servers)) await server.close();
    }
  });
}
