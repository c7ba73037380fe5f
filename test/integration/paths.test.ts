import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { existsSync } from 'node:fs';
import { hostSysctls } from '../../src/env/profiles.js';
import { engineReady } from '../helpers/engines.js';
import type { RunResult } from '../../src/result/result.js';
import { sweep } from '../../src/sweep/sweep.js';
import { BIN, runCli } from '../helpers/cli.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { IS_ROOT, prerequisite } from '../helpers/prereq.js';
import { testAddresses } from '../helpers/sockets.js';
import { run } from '../../src/runner/run.js';
import { within } from '../helpers/within.js';

test('sweep --axis port-range: each stage writes its range in its own namespace and runs out where it says', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  const result = await sweep({
    axis: 'port-range',
    values: '1000,2000',
    profile: 'no-reuse',
    sources: '1',
    requests: '3000',
    connections: '8',
    close: 'client',
    sampleInterval: '0s',
  });
  assert.deepEqual(
    result.stages.map((s) => s.run.environment.sysctls['net.ipv4.ip_local_port_range']),
    ['40000 40999', '40000 41999'],
  );
  assert.deepEqual(
    result.stages.map((s) => s.space.ports),
    [1000, 2000],
  );
  assert.ok(within(result.stages[0]!.run.totals.ok, 1000, 2), `${result.stages[0]!.run.totals.ok}`);
  assert.ok(within(result.stages[1]!.run.totals.ok, 2000, 2), `${result.stages[1]!.run.totals.ok}`);
  for (const s of result.stages) {
    assert.equal(s.run.firstExhaustion?.code, 'EADDRINUSE');
    assert.equal(s.run.limitedBy?.cause, 'ports');
  }
});

test('sweep --axis rate: each stage an open loop at its rate, every request sent, latency corrected', async () => {
  const result = await sweep({ axis: 'rate', values: '200,400', requests: '100', close: 'server', sampleInterval: '0s' });
  assert.deepEqual(
    result.stages.map((s) => (s.run.plan.load.kind === 'open' ? s.run.plan.load.ratePerSec : null)),
    [200, 400],
  );
  for (const s of result.stages) {
    assert.equal(s.run.totals.attempts, 100);
    assert.equal(s.run.totals.ok, 100);
    assert.equal(s.run.latency.totalCorrectedUs?.summary.count, 100);
  }
});

test('sweep --axis port-mode: kernel, bind and explicit side by side, each with what it binds', async () => {
  const result = await sweep({ axis: 'port-mode', sources: '2', requests: '200', connections: '4', close: 'server', sampleInterval: '0s' });
  const [kernel, bind, explicit] = result.stages;
  assert.deepEqual([kernel!.run.plan.portMode, bind!.run.plan.portMode, explicit!.run.plan.portMode], ['kernel', 'bind', 'explicit']);
  assert.deepEqual(kernel!.run.plan.sources, []);
  assert.deepEqual(Object.keys(kernel!.run.target.stats!.byRemoteAddress), ['127.0.0.1']);
  for (const s of [bind!, explicit!]) {
    assert.equal(s.run.plan.sources.length, 2);
    assert.deepEqual(Object.keys(s.run.target.stats!.byRemoteAddress).sort(), [...s.run.plan.sources].sort());
  }
  assert.ok(explicit!.run.plan.explicitPorts !== null);
  for (const s of result.stages) assert.equal(s.run.totals.ok, 200);
});

test('--close keepalive --keepalive-client undici: every request answered over a few reused connections', async () => {
  const result = await run({
    close: 'keepalive',
    keepaliveClient: 'undici',
    sources: '1',
    requests: '200',
    connections: '4',
    sampleInterval: '0s',
  });
  assert.equal(result.plan.keepaliveClient, 'undici');
  assert.equal(result.totals.ok, 200);
  assert.equal(result.target.stats!.requests, 200);
  assert.ok(result.target.stats!.connections <= 4, `${result.target.stats!.connections} connections`);
});

test('an open loop on 2 workers: the rate and sources divided, the counts and histograms merged exactly', async () => {
  const result = await run({
    rate: '400',
    requests: '200',
    workers: '2',
    sources: testAddresses(62, 4),
    close: 'server',
    sampleInterval: '0s',
    netns: false,
  });
  assert.equal(result.totals.attempts, 200);
  assert.equal(result.totals.ok, 200);
  assert.equal(result.sources.length, 4);
  assert.equal(
    result.sources.reduce((a, s) => a + s.attempts, 0),
    200,
  );
  assert.equal(result.latency.totalCorrectedUs?.summary.count, 200);
  assert.equal(result.latency.totalUs.summary.count, 200);
  assert.deepEqual(Object.keys(result.target.stats!.byRemoteAddress).sort(), [...result.plan.sources].sort());
});

/**
 * Runs `portchurn ...args --json` as uid 65534 (setpriv), where `unshare -r -n` gives the run a
 * namespace; returns its result, or null when the test was skipped.
 */
async function runAsNobody(t: TestContext, args: readonly string[]): Promise<RunResult | null> {
  const setpriv = spawnSync('setpriv', ['--version']).status === 0;
  const userns =
    setpriv &&
    IS_ROOT &&
    spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '-r', '-n', 'true']).status === 0;
  if (!prerequisite(t, userns, 'needs root to drop to uid 65534 with setpriv, and unprivileged user namespaces')) return null;
  const drop = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-unpriv-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o777);
  // A checkout under a private home (/root is 0700) is out of uid 65534's reach: run a copy.
  let bin = BIN;
  if (spawnSync(drop[0]!, [...drop.slice(1), 'test', '-r', BIN]).status !== 0) {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const copy = join(dir, 'portchurn');
    for (const part of ['package.json', 'dist', 'node_modules', 'build', 'schemas'])
      if (existsSync(join(root, part))) await cp(join(root, part), join(copy, part), { recursive: true });
    bin = join(copy, 'dist', 'src', 'cli', 'bin.js');
  }
  const out = await runCli([...args, '--out', join(dir, 'out'), '--json'], { wrapper: drop, bin });
  assert.equal(out.status, 0, out.stderr);
  assert.equal((await readdir(join(dir, 'out'))).filter((f) => f.startsWith('run-') && f.endsWith('.json')).length, 1);
  return JSON.parse(out.stdout) as RunResult;
}

test('unprivileged (uid 65534): the run gets a namespace of its own through a user namespace', async (t) => {
  const result = await runAsNobody(t, ['run', '-n', '300', '-c', '4', '--sources', '2']);
  if (!result) return;
  assert.equal(result.plan.netns?.profile, 'upstream');
  assert.equal(result.kernel?.scope, 'namespace');
  assert.equal(result.kernel?.tcp.ActiveOpens, 300);
  assert.equal(result.totals.ok, 300);
});

test('[native] --socket-port-range of 100 ports as uid 65534: IP_LOCAL_PORT_RANGE gives ~100 connections, then EADDRNOTAVAIL, no sysctl written', async (t) => {
  if (!engineReady(t, 'native')) return;
  const result = await runAsNobody(t, [
    'run',
    '--socket-port-range',
    '40000-40099',
    '--profile',
    'no-reuse',
    '-n',
    '500',
    '-c',
    '8',
    '--sample-interval',
    '0s',
  ]);
  if (!result) return;
  assert.equal(result.engine, 'native');
  assert.deepEqual(result.plan.socketPortRange, { low: 40000, high: 40099 });
  assert.ok(Math.abs(result.totals.ok - 100) <= 2, `${result.totals.ok} ok`);
  assert.deepEqual(Object.keys(result.totals.errors), ['EADDRNOTAVAIL']);
  assert.equal(result.model.usablePorts, 100);
  assert.equal(
    result.environment.sysctls['net.ipv4.ip_local_port_range'],
    (await hostSysctls())['net.ipv4.ip_local_port_range'],
    "the namespace kept the host's range",
  );
});
