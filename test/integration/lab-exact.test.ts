import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { hostSysctls } from '../../src/env/profiles.js';
import { lab } from '../../src/lab/lab.js';
import type { RunOptions } from '../../src/plan/build-plan.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { pollUntil, startCli, type CliChild } from '../helpers/events.js';
import { run } from '../../src/runner/run.js';
import { within } from '../helpers/within.js';

// The case of the issue: a 1,000-port range, no TIME_WAIT reuse, the client closing first,
// 5,000 attempts, every run in a namespace of its own.
const NARROW_ALL: RunOptions = {
  netns: true,
  profile: 'narrow',
  close: 'client',
  requests: '5000',
  connections: '16',
  sampleInterval: '0s',
};

for (const engine of ENGINES)
  test(`[${engine}] 1,000-port namespace, no reuse: exhaustion exactly where the ports run out`, async (t) => {
    if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
    if (!engineReady(t, engine)) return;
    const NARROW = { ...NARROW_ALL, engine };
    const before = await hostSysctls();

    const kernel = await run({ ...NARROW });
    assert.equal(kernel.engine, engine);
    assert.equal(kernel.environment.sysctls['net.ipv4.ip_local_port_range'], '40000 40999', 'read inside the namespace');
    assert.equal(kernel.environment.sysctls['net.ipv4.tcp_tw_reuse'], '0');
    assert.ok(within(kernel.totals.ok, 1000, 2), `kernel, 1 source: ${kernel.totals.ok} ok`);
    assert.deepEqual(Object.keys(kernel.totals.errors), ['EADDRNOTAVAIL']);
    assert.equal(kernel.totals.ok + kernel.totals.errors.EADDRNOTAVAIL!, 5000);
    assert.equal(kernel.firstExhaustion?.code, 'EADDRNOTAVAIL');
    // Connections already in flight when the ports ran out may still succeed: at most --connections of them.
    const after = kernel.totals.ok - kernel.firstExhaustion!.okBefore;
    assert.ok(after >= 0 && after <= 16, `${after} succeeded after the first EADDRNOTAVAIL`);
    assert.equal(kernel.kernel?.tcp.ActiveOpens, kernel.totals.ok, 'an EADDRNOTAVAIL connect() sends no SYN');
    assert.equal(kernel.kernel?.tcpExt.TW, kernel.totals.ok);
    assert.deepEqual(kernel.plan.netns, {
      profile: 'narrow',
      sysctls: { 'net.ipv4.ip_local_port_range': '40000 40999', 'net.ipv4.tcp_tw_reuse': '0' },
    });

    for (const n of [1, 2, 4]) {
      const bind = await run({ ...NARROW, sources: `127.0.1.1-127.0.1.${n}` });
      assert.ok(within(bind.totals.ok, 1000 * n, 2), `bind, ${n} sources: ${bind.totals.ok} ok`);
      assert.deepEqual(Object.keys(bind.totals.errors), ['EADDRINUSE'], `bind, ${n} sources`);
      assert.equal(bind.model.ceilingOk, 1000 * n, 'the model says where');
      // The kernel's own account, in a namespace that is the run's alone: a failed bind() never
      // reaches connect(), so ActiveOpens counts exactly the attempts that did.
      assert.equal(bind.kernel?.scope, 'namespace');
      assert.equal(bind.kernel?.tcp.ActiveOpens, bind.totals.attempts - bind.totals.errors.EADDRINUSE!);
      assert.equal(bind.kernel?.tcp.PassiveOpens, bind.target.stats!.connections);
      assert.equal(bind.limitedBy?.cause, 'ports');
    }

    // Explicit ports: with timestamps on, a hand-bound port takes over its TIME_WAIT 4-tuple at once.
    const explicit = await run({ ...NARROW, sources: '127.0.2.1', portMode: 'explicit', explicitPorts: '40000-40999' });
    assert.equal(explicit.totals.ok, 5000, `explicit, timestamps on: ${JSON.stringify(explicit.totals.errors)}`);
    assert.equal(explicit.totals.errorCount, 0);
    assert.equal(explicit.model.portBound, false);
    const noTs = await run({
      ...NARROW,
      sources: '127.0.2.1',
      portMode: 'explicit',
      explicitPorts: '40000-40999',
      sysctl: ['net.ipv4.tcp_timestamps=0'],
    });
    assert.ok(within(noTs.totals.ok, 1000, 2), `explicit, timestamps off: ${noTs.totals.ok} ok`);
    // bind() to the chosen port succeeds (libuv sets SO_REUSEADDR); connect() then finds the
    // 4-tuple in TIME_WAIT and may not take it over: EADDRNOTAVAIL, not EADDRINUSE.
    assert.deepEqual(Object.keys(noTs.totals.errors), ['EADDRNOTAVAIL']);

    const server = await run({ ...NARROW, close: 'server' });
    assert.equal(server.totals.ok, 5000);
    assert.equal(server.totals.errorCount, 0);

    assert.deepEqual(await hostSysctls(), before, 'the host settings are untouched');
  });

test("[native] nobind (IP_BIND_ADDRESS_NO_PORT): the port is chosen per destination, as nginx's proxy_bind gets it", async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  if (!engineReady(t, 'native')) return;
  // One source, two destination ports (two listeners of the built-in target, both in the range).
  const two = { ...NARROW_ALL, engine: 'native' as const, sources: '127.0.5.1', listen: '127.0.0.1:0,127.0.0.1:0' };
  const nobind = await run({ ...two, portMode: 'nobind' });
  assert.ok(within(nobind.totals.ok, 2000, 2), `nobind, 1 source, 2 destinations: ${nobind.totals.ok} ok`);
  assert.deepEqual(Object.keys(nobind.totals.errors), ['EADDRNOTAVAIL'], 'connect() finds no free 4-tuple');
  assert.equal(nobind.model.ceilingOk, 2000, 'the model counts ports per destination');
  assert.equal(nobind.kernel?.tcp.ActiveOpens, nobind.totals.ok);
  const bind = await run({ ...two, portMode: 'bind' });
  assert.ok(within(bind.totals.ok, 1000, 2), `bind, 1 source, 2 destinations: ${bind.totals.ok} ok`);
  assert.deepEqual(Object.keys(bind.totals.errors), ['EADDRINUSE'], 'bind() reserves the port towards every destination');
  const four = await run({ ...NARROW_ALL, engine: 'native', sources: '127.0.6.1-127.0.6.4', portMode: 'nobind' });
  assert.ok(within(four.totals.ok, 4000, 2), `nobind, 4 sources: ${four.totals.ok} ok`);
  assert.deepEqual(Object.keys(four.target.stats!.byRemoteAddress).sort(), ['127.0.6.1', '127.0.6.2', '127.0.6.3', '127.0.6.4']);
});

test('portchurn lab: the same sweep under two profiles, the narrow one exhausting where the model says', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  const before = await hostSysctls();
  // bind given: the stages reserve address and port (nobind, the default on the native engine, is tested with sweep).
  const result = await lab({
    profiles: 'no-reuse,narrow',
    values: '1,4',
    requests: '6000',
    connections: '16',
    sampleInterval: '0s',
    portMode: 'bind',
  });
  assert.deepEqual(
    result.profiles.map((p) => p.name),
    ['no-reuse', 'narrow'],
  );
  const [noReuse, narrow] = result.profiles;
  assert.equal(noReuse!.sweep.stages[0]!.run.totals.errorCount, 0, 'the default range does not run out in 6,000');
  // Every stage binds (the baseline too); the unbound kernel path is the reference row.
  assert.equal(narrow!.sweep.stages[0]!.run.firstExhaustion?.code, 'EADDRINUSE');
  assert.ok(within(narrow!.sweep.stages[0]!.run.totals.ok, 1000, 2));
  assert.ok(within(narrow!.sweep.stages[1]!.run.totals.ok, 4000, 2));
  assert.equal(narrow!.sweep.stages[0]!.run.limitedBy?.cause, 'ports');
  const reference = narrow!.sweep.references![0]!.run;
  assert.equal(reference.plan.portMode, 'kernel');
  assert.equal(reference.firstExhaustion?.code, 'EADDRNOTAVAIL');
  assert.ok(within(reference.totals.ok, 1000, 2));
  for (const p of result.profiles)
    for (const s of [...p.sweep.stages, ...p.sweep.references!]) assert.equal(s.run.plan.netns?.profile, p.name);
  assert.deepEqual(await hostSysctls(), before);
});

test('portchurn lab from the CLI: --fail-on decides the exit status, naming profile and stage', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  const { runCli } = await import('../helpers/cli.js');
  const { mkdtemp, readdir, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const out = await mkdtemp(join(tmpdir(), 'portchurn-lab-cli-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const args = [
    'lab',
    '--profiles',
    'narrow',
    '--values',
    '1',
    '--reference',
    'none',
    '-n',
    '1500',
    '-c',
    '8',
    '--sample-interval',
    '0s',
    '--out',
    out,
  ];
  const failing = await runCli([...args, '--fail-on', 'errors>0']);
  assert.equal(failing.status, 1, failing.stderr);
  assert.match(failing.stderr, /threshold held in profile narrow stage 1 \(sources 1\): errors>0 \(measured 5\d\d, limit 0\)/);
  const passing = await runCli([...args, '--fail-on', 'ok>1500']);
  assert.equal(passing.status, 0, passing.stderr);
  assert.match(passing.stdout, /profile narrow/);
  assert.ok((await readdir(out)).some((f) => f.startsWith('lab-') && f.endsWith('.md')));
});

/** Pids whose command line runs the namespace stage child. */
function stageChildren(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('stage/child.js');
      } catch {
        return false;
      }
    })
    .map(Number);
}

test("Ctrl-C (SIGINT to the process group) keeps the namespace stage's partial result; a killed parent takes the namespace with it", async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const out = await mkdtemp(join(tmpdir(), 'portchurn-ns-int-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const start = (): CliChild =>
    startCli(['run', '--netns', '--profile', 'narrow', '-d', '30s', '--sources', '16', '--json', '--out', out], { detached: true });

  const cli = start();
  // Ctrl-C once the namespaced stage reports successes.
  await cli.progress((p) => Number(p.ok) > 0);
  process.kill(-cli.child.pid!, 'SIGINT');
  assert.equal(await cli.exited, 130, cli.stderr());
  const result = JSON.parse(cli.stdout()) as { interrupted: boolean; totals: { attempts: number; ok: number } };
  assert.equal(result.interrupted, true);
  assert.ok(result.totals.ok > 0);
  assert.deepEqual(stageChildren(), []);

  const doomed = start();
  await pollUntil('the namespace stage child to appear', 30_000, () => stageChildren().length > 0);
  process.kill(doomed.child.pid!, 'SIGKILL');
  await doomed.exited;
  await pollUntil('the stage child (and its namespace) to end with its parent', 30_000, () => stageChildren().length === 0);
});
