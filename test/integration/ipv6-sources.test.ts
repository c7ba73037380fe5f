import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { RunOptions } from '../../src/plan/build-plan.js';
import { run } from '../../src/runner/run.js';
import { sweep } from '../../src/sweep/sweep.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { runCli } from '../helpers/cli.js';
import { within } from '../helpers/within.js';

// IPv6 sources from 2001:2::/48 (RFC 5180's benchmarking prefix), made local only inside each
// run's own namespace: a 1,000-port range, no TIME_WAIT reuse, the client closing first.
const NARROW_V6: RunOptions = {
  netns: true,
  profile: 'narrow',
  close: 'client',
  requests: '6000',
  connections: '16',
  sampleInterval: '0s',
};

/** The host's IPv6 routes for 2001:2::/48: none before a test, none after. */
function hostRoutes(): string {
  return spawnSync('ip', ['-6', 'route', 'show', 'table', 'all', 'match', '2001:2::/48'], { encoding: 'utf8' }).stdout.trim();
}

test('an IPv6 prefix is refused on the host, before any traffic, with the reason', async () => {
  const out = await runCli(['run', '--no-netns', '--sources', '2001:2::10/124', '-n', '10']);
  assert.equal(out.status, 2);
  assert.match(out.stderr, /IPv6 sources other than ::1 exist only inside a network namespace portchurn makes/);
  const listen = await runCli(['run', '--no-netns', '--listen', '[2001:2::1]:0', '-n', '10']);
  assert.equal(listen.status, 2);
  assert.match(listen.stderr, /is not a loopback address \(an IPv6 prefix is made local only inside a namespace/);
});

test('IPv4-mapped sources are IPv4 on the wire', async () => {
  const out = await runCli(['run', '--dry-run', '--no-netns', '--sources', '::ffff:127.0.0.2,::ffff:127.0.0.3']);
  assert.equal(out.status, 0, out.stderr);
  assert.deepEqual((JSON.parse(out.stdout) as { sources: string[] }).sources, ['127.0.0.2', '127.0.0.3']);
});

for (const engine of ENGINES)
  test(`[${engine}] --sources 2001:2::10/124 in a namespace: 16 IPv6 sources the target sees, towards ::1`, async (t) => {
    if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
    if (!engineReady(t, engine)) return;
    const before = hostRoutes();
    const result = await run({ netns: true, engine, sources: '2001:2::10/124', listen: '[::1]:0', requests: '1600', connections: '16' });
    assert.equal(result.engine, engine);
    assert.equal(result.plan.sources.length, 16);
    assert.equal(result.totals.ok, 1600, JSON.stringify(result.totals.errors));
    const seen = Object.keys(result.target.stats!.byRemoteAddress).sort();
    assert.deepEqual(seen, [...result.plan.sources].sort(), 'every source reached the target, nothing else did');
    for (const n of Object.values(result.target.stats!.byRemoteAddress)) assert.equal(n.connections, 100, 'round-robin');
    assert.equal(result.kernel?.tcp.ActiveOpens, 1600);
    assert.equal(hostRoutes(), before, 'no route was added to the host');
  });

for (const engine of ENGINES)
  test(`[${engine}] IPv6 exact counts: 4 sources in a 1,000-port namespace run out where IPv4 does`, async (t) => {
    if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
    if (!engineReady(t, engine)) return;
    // nobind is native only; the JavaScript engine binds address and port.
    const [mode, code] = engine === 'native' ? (['nobind', 'EADDRNOTAVAIL'] as const) : (['bind', 'EADDRINUSE'] as const);
    const four = await run({ ...NARROW_V6, engine, sources: '2001:2::1-2001:2::4', portMode: mode });
    assert.equal(four.plan.portMode, mode);
    assert.deepEqual(
      four.target.endpoints.map((e) => e.host),
      ['::1'],
      'IPv6 sources: the built-in target listens on ::1',
    );
    assert.ok(within(four.totals.ok, 4000, 2), `${mode}, 4 IPv6 sources: ${four.totals.ok} ok`);
    assert.deepEqual(Object.keys(four.totals.errors), [code]);
    assert.equal(four.model.ceilingOk, 4000, 'the model counts IPv6 sources as it counts IPv4 ones');
    assert.equal(four.limitedBy?.cause, 'ports');
    assert.deepEqual(Object.keys(four.target.stats!.byRemoteAddress).sort(), ['2001:2::1', '2001:2::2', '2001:2::3', '2001:2::4']);
    for (const [address, count] of Object.entries(four.sources)) assert.ok(within(count.ok, 1000, 3), `${address}: ${count.ok} ok`);
  });

test('a sweep over IPv6 sources: each stage in its own namespace, the address count the only change', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  const result = await sweep({ ...NARROW_V6, sourceBase: '2001:2::1', values: '1,2', requests: '3000', reference: 'none' });
  assert.deepEqual(
    result.stages.map((s) => s.run.plan.sources),
    [['2001:2::1'], ['2001:2::1', '2001:2::2']],
  );
  const [one, two] = result.stages;
  assert.ok(within(one!.run.totals.ok, 1000, 2), `1 IPv6 source: ${one!.run.totals.ok}`);
  assert.ok(within(two!.run.totals.ok, 2000, 2), `2 IPv6 sources: ${two!.run.totals.ok}`);
  assert.deepEqual(
    result.stages.map((s) => s.space.sources),
    [1, 2],
  );
  assert.match(renderMarkdown(result), /\| 2 \| 2 \| 2 x 1 x 1,000 = 2,000 \|/);
});
