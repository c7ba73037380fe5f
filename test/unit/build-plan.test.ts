import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlanError } from '../../src/errors.js';
import { localIpv6Prefix } from '../../src/plan/local-prefix.js';
import { buildPlan, type RunOptions } from '../../src/plan/build-plan.js';

const facts = { ephemeralPorts: { low: 32768, high: 60999 } };

function planError(options: RunOptions): PlanError {
  try {
    buildPlan(options, facts);
  } catch (error) {
    if (error instanceof PlanError) return error;
    throw error;
  }
  assert.fail(`accepted ${JSON.stringify(options)}`);
}

test('defaults: built-in target, kernel mode, client close, 64 connections, 10 s', () => {
  const plan = buildPlan({}, facts);
  assert.deepEqual(plan.target, {
    kind: 'builtin',
    listen: [{ host: '127.0.0.1', port: 0 }],
    delayMs: 0,
    bodyBytes: 2,
    protocol: 'http',
    threads: null,
    engine: 'auto',
  });
  assert.deepEqual(plan.sources, []);
  assert.equal(plan.portMode, 'kernel');
  assert.equal(plan.close, 'client');
  assert.deepEqual(plan.load, { kind: 'closed', connections: 64 });
  assert.equal(plan.durationMs, 10_000);
  assert.equal(plan.requests, null);
  assert.equal(plan.timeoutMs, 10_000);
  assert.equal(plan.http.method, 'GET');
});

test('sources default the port mode to bind; requests alone drop the default duration', () => {
  const plan = buildPlan({ sources: '4', requests: '100' }, facts);
  assert.equal(plan.portMode, 'bind');
  assert.equal(plan.sources.length, 4);
  assert.equal(plan.durationMs, null);
  assert.equal(plan.requests, 100);
});

test('open loop with its in-flight cap', () => {
  assert.deepEqual(buildPlan({ rate: '500' }, facts).load, { kind: 'open', ratePerSec: 500, maxInFlight: 10_000 });
  assert.deepEqual(buildPlan({ rate: '500', maxInFlight: '8' }, facts).load, { kind: 'open', ratePerSec: 500, maxInFlight: 8 });
});

test('explicit mode defaults to the ports above ip_local_port_range', () => {
  assert.deepEqual(buildPlan({ sources: '2', portMode: 'explicit' }, facts).explicitPorts, { low: 61000, high: 65535 });
  const high = buildPlan({ sources: '2', portMode: 'explicit' }, { ephemeralPorts: { low: 10000, high: 65000 } });
  assert.deepEqual(high.explicitPorts, { low: 1024, high: 9999 });
  assert.deepEqual(buildPlan({ sources: '2', portMode: 'explicit', explicitPorts: '20000-20999' }, facts).explicitPorts, {
    low: 20000,
    high: 20999,
  });
});

test('explicit ports inside the ephemeral range need --allow-ephemeral-overlap', () => {
  assert.match(
    planError({ sources: '1', portMode: 'explicit', explicitPorts: '40000-40999' }).message,
    /overlaps ip_local_port_range 32768-60999.*--allow-ephemeral-overlap/,
  );
  const plan = buildPlan({ sources: '1', portMode: 'explicit', explicitPorts: '40000-40999', allowEphemeralOverlap: true }, facts);
  assert.deepEqual(plan.explicitPorts, { low: 40000, high: 40999 });
});

test('IPv6 sources: the built-in target listens on ::1 unless told otherwise; a prefix only with a namespace', () => {
  const plan = buildPlan({ sources: '::1' }, facts);
  assert.deepEqual(plan.target.kind === 'builtin' && plan.target.listen, [{ host: '::1', port: 0 }]);
  const namespace = { sysctls: {}, profile: 'host' };
  const routed = buildPlan({ sources: '2001:2::/48', listen: '[2001:2::1]:0' }, facts, namespace);
  assert.equal(routed.sources.length, 65_536, 'a prefix larger than the cap gives its first 65,536');
  assert.equal(routed.sources[0], '2001:2::');
  assert.equal(routed.sources.at(-1), '2001:2::ffff');
  assert.equal(localIpv6Prefix(routed), '2001:2::/112');
  assert.equal(localIpv6Prefix(buildPlan({ sources: '2001:2::10/124' }, facts, namespace)), '2001:2::10/124');
  assert.equal(localIpv6Prefix(buildPlan({ sources: '::1' }, facts, namespace)), null, '::1 needs no route');
  assert.deepEqual(buildPlan({ sources: '::ffff:127.0.0.2' }, facts).sources, ['127.0.0.2']);
});

test('every bad input of the run command is refused with the option at fault', () => {
  const cases: [RunOptions, string, RegExp][] = [
    [{ sources: '127.0.0.300' }, '--sources', /not an address/],
    [{ sources: '127.0.0.9-127.0.0.1' }, '--sources', /ends before it starts/],
    [{ sources: '127.0.0.0/40' }, '--sources', /not a CIDR block/],
    [{ socketPortRange: '40000-40099', engine: 'js' }, '--socket-port-range', /IP_LOCAL_PORT_RANGE, a socket option Node cannot set/],
    [{ socketPortRange: '40000-40099', sources: '1', portMode: 'explicit' }, '--socket-port-range', /use --explicit-ports/],
    [{ socketPortRange: '400-300' }, '--socket-port-range', /.+/],
    [{ portMode: 'nobind', sources: '1', engine: 'js' }, '--port-mode', /nobind needs the native engine/],
    [{ sources: '4', portMode: 'kernel' }, '--port-mode', /cannot use chosen --sources \(4 addresses\); use --port-mode bind or explicit/],
    [{ sources: '127.0.0.1', portMode: 'kernel' }, '--port-mode', /cannot use chosen --sources \(127\.0\.0\.1\)/],
    [{ portMode: 'bind' }, '--port-mode', /needs --sources/],
    [{ connections: '0' }, '--connections', /positive whole number/],
    [{ connections: 'many' }, '--connections', /positive whole number/],
    [{ rate: '-5' }, '--rate', /positive number/],
    [{ duration: '10x' }, '--duration', /unknown unit/],
    [{ duration: '10' }, '--duration', /needs a unit/],
    [{ timeout: '0s' }, '--timeout', /longer than 0/],
    [{ target: 'http://10.1.2.3/' }, '--target', /--allow-remote/],
    [
      { target: 'http://198.18.0.1/', allowRemote: true, sources: '16' },
      '--sources',
      /127\.0\.0\.1 is a loopback address and cannot reach 198\.18\.0\.1.*EINVAL/,
    ],
    [{ target: 'http://[2001:2::1]/', allowRemote: true, sources: '::1' }, '--sources', /::1 is a loopback address/],
    [{ target: 'gopher://127.0.0.1/' }, '--target', /use http:, https: or tcp:/],
    [{ rate: '100', connections: '10' }, '--rate', /exclude each other/],
    [{ maxInFlight: '10' }, '--max-in-flight', /open loop only/],
    [{ close: 'later' as never }, '--close', /must be one of/],
    [{ header: ['X-A: 1\r\nX-B: 2'] }, '--header', /CR, LF/],
    [{ header: ['no colon'] }, '--header', /Name: value/],
    [{ header: ['Connection: keep-alive'] }, '--header', /set by portchurn/],
    [{ target: 'tcp://127.0.0.1:9', method: 'POST' }, '--method', /HTTP targets/],
    [{ payload: 'PING' }, '--payload', /tcp:\/\/ targets only/],
    [{ target: 'tcp://127.0.0.1:9', close: 'keepalive' }, '--close', /needs an HTTP target/],
    [{ sources: '2', portMode: 'explicit', close: 'keepalive' }, '--close', /nothing to choose/],
    [{ explicitPorts: '61000-62000' }, '--explicit-ports', /explicit only/],
    [{ sources: '1', portMode: 'explicit', explicitPorts: '9-2' }, '--explicit-ports', /LO-HI/],
    [{ sources: '::1', listen: '127.0.0.1:0' }, '--sources', /IPv6 but the target is IPv4/],
    [{ sources: '2001:2::10/124' }, '--sources', /exist only inside a network namespace portchurn makes/],
    [{ listen: '[2001:2::1]:0' }, '--listen', /made local only inside a namespace/],
    [{ target: 'http://127.0.0.1:1/', listen: '127.0.0.1:0' }, '--listen', /built-in target/],
    [{ listen: '10.0.0.1:80' }, '--listen', /not a loopback/],
    [{ expectBytes: '-1', target: 'tcp://127.0.0.1:9' }, '--expect-bytes', /whole number/],
  ];
  for (const [options, option, message] of cases) {
    const error = planError(options);
    assert.equal(error.option, option, JSON.stringify(options));
    assert.match(error.message, message, JSON.stringify(options));
    assert.ok(!error.message.includes('\n'), 'one line');
  }
});

test('a plan that needs more file descriptors than the limit gets a warning with the fix', async () => {
  const { fileDescriptorWarning } = await import('../../src/runner/run-checks.js');
  const plan = buildPlan({ connections: '5000' }, facts);
  assert.match(
    fileDescriptorWarning(plan, 1024)!,
    /5000 connections in flight need about 10064 file descriptors but the open-file limit is 1024.*ulimit -n 65536/,
  );
  assert.equal(fileDescriptorWarning(plan, 20000), null);
  assert.equal(
    fileDescriptorWarning(buildPlan({ connections: '5000', target: 'http://127.0.0.1:1/' }, facts), 6000),
    null,
    'an external target needs one per connection',
  );
});

test('--socket-port-range: refused on kernels before 6.3 and outside ip_local_port_range, where the kernel would ignore it', async () => {
  const { checkSocketPortRange } = await import('../../src/runner/preflight.js');
  const eph = { low: 32768, high: 60999 };
  assert.throws(
    () => checkSocketPortRange({ low: 40000, high: 40099 }, eph, '6.1.0-18-amd64'),
    /Linux has from 6\.3; this kernel is 6\.1\.0-18-amd64/,
  );
  assert.throws(() => checkSocketPortRange({ low: 1000, high: 1099 }, eph, '6.18.44'), /lies outside ip_local_port_range 32768-60999/);
  assert.doesNotThrow(() => checkSocketPortRange({ low: 40000, high: 40099 }, eph, '6.3.0'));
  assert.doesNotThrow(() => checkSocketPortRange({ low: 60000, high: 61999 }, eph, '7.0.1'), 'an overlap is narrowed to, not refused');
});

test('the built-in target: --target-threads 1 to 256, --target-engine auto, native or js; neither with --target', () => {
  assert.deepEqual(
    [buildPlan({ targetThreads: '4', targetEngine: 'native' }, facts).target].map((t) => t.kind === 'builtin' && [t.threads, t.engine]),
    [[4, 'native']],
  );
  assert.equal(planError({ targetThreads: '0' }).option, '--target-threads');
  assert.equal(planError({ targetThreads: '257' }).option, '--target-threads');
  assert.equal(planError({ targetEngine: 'fast' as 'js' }).option, '--target-engine');
  assert.match(planError({ target: 'http://127.0.0.1:8080/', targetThreads: '2' }).message, /configure the built-in target/);
});
