// The native engine times its own bind() and connect() calls (the kernel's port search runs in
// them): one value per call made, per second and for the stage, in the result; the JavaScript
// engine cannot see them and says so (null). Counts and structure only: the times themselves are
// the machine's, and bench/ compares them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '../../src/runner/run.js';
import { decodeHistogram } from '../../src/result/histogram.js';
import { renderRunSummary } from '../../src/report/terminal.js';
import { engineReady } from '../helpers/engines.js';
import { testAddresses } from '../helpers/sockets.js';

test('[native] every connect() and bind() call is timed: one value per call, the seconds adding up to the stage', async (t) => {
  if (!engineReady(t, 'native')) return;
  const result = await run({
    engine: 'native',
    sources: testAddresses(171, 2),
    portMode: 'nobind',
    close: 'server',
    requests: '600',
    connections: '4',
    sampleInterval: '0s',
    netns: false,
  });
  assert.equal(result.totals.attempts, 600);
  const connect = result.latency.connectCallUs!;
  const bind = result.latency.bindCallUs!;
  assert.equal(connect.summary.count, 600, 'one connect() a connection');
  assert.equal(bind.summary.count, 600, 'one bind(addr, 0) a connection in nobind');
  assert.ok(connect.summary.minUs >= 1);
  const perSecond = result.timeSeries.reduce(
    (n, s) => n + (s.latency?.connectCallUs ? decodeHistogram(s.latency.connectCallUs).totalCount : 0),
    0,
  );
  assert.equal(perSecond, 600, "the seconds' histograms add up to the stage's");
  assert.match(renderRunSummary(result), /connect\(\) call +600 /);
  assert.match(renderRunSummary(result), /the kernel's port search runs in connect\(\)/);
});

test('[native] kernel mode makes no bind(): no bind() histogram; a kept connection makes no calls', async (t) => {
  if (!engineReady(t, 'native')) return;
  const kernel = await run({ engine: 'native', close: 'server', requests: '200', connections: '2', sampleInterval: '0s', netns: false });
  assert.equal(kernel.latency.bindCallUs, null);
  assert.equal(kernel.latency.connectCallUs!.summary.count, 200);
  const kept = await run({ engine: 'native', close: 'keepalive', requests: '300', connections: '2', sampleInterval: '0s', netns: false });
  assert.equal(kept.totals.ok, 300);
  assert.equal(kept.latency.connectCallUs!.summary.count, 2, 'one connect() per kept connection, none per request');
});

test('[js] the JavaScript engine cannot see inside connect() and bind(): null, and the summary says so', async () => {
  const result = await run({ engine: 'js', close: 'server', requests: '100', connections: '2', sampleInterval: '0s', netns: false });
  assert.equal(result.latency.connectCallUs, null);
  assert.equal(result.latency.bindCallUs, null);
  assert.match(renderRunSummary(result), /the JavaScript engine cannot see inside them/);
});

test('[native] --no-call-times: the calls are not timed, the call times are null and the summary says why', async (t) => {
  if (!engineReady(t, 'native')) return;
  const result = await run({
    engine: 'native',
    sources: testAddresses(172, 2),
    portMode: 'nobind',
    close: 'server',
    requests: '300',
    connections: '4',
    sampleInterval: '0s',
    netns: false,
    callTimes: false,
  });
  assert.equal(result.totals.ok, 300);
  assert.equal(result.plan.callTimes, false);
  assert.equal(result.latency.connectCallUs, null);
  assert.equal(result.latency.bindCallUs, null);
  assert.ok(
    result.timeSeries.every((s) => !s.latency?.connectCallUs || decodeHistogram(s.latency.connectCallUs).totalCount === 0),
    'no second holds a timed call',
  );
  assert.match(renderRunSummary(result), /connect\(\) and bind\(\) were not timed \(--no-call-times\)/);
});
