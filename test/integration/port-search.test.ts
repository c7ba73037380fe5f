// The kernel's port search, measured against the model in namespaces with small ranges: the fall
// comes where the model puts it (pairs x half the range for connect(), sources x a quarter for
// bind()), the engine's own connect()/bind() times show it, the probe calibrated the model on this
// kernel, and the model's per-second curve follows the measured seconds. The curve's comparison
// is the one place these tests look at rates: with a band wide enough for a loaded 2-core CI
// machine (the probe's walk cost runs below a busy stage's: once the seconds after the fall came to
// 0.74 of the curve), and narrow enough to fail if the walk were left out of the model (0.40 after
// the fall, 0.43 for bind(), when it was).
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { test } from 'node:test';
import { run } from '../../src/runner/run.js';
import { decodeHistogram } from '../../src/result/histogram.js';
import type { RunResult } from '../../src/result/result.js';
import { portSearchLine } from '../../src/report/stage-notes.js';
import { engineReady } from '../helpers/engines.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';

/** The median of one second's histogram of a searching call's time, µs. */
function secondMedianUs(result: RunResult, second: number, key: 'connectCallUs' | 'bindCallUs'): number {
  const h = result.timeSeries[second]!.latency![key]!;
  return decodeHistogram(h).getValueAtPercentile(50);
}

/** Measured and predicted ok over the whole seconds after the one the fall came in. */
function afterTheFall(result: RunResult): { measured: number; predicted: number; seconds: number } {
  const p = result.model.portSearch!;
  let cumulative = 0;
  let first = -1;
  result.timeSeries.forEach((s, i) => {
    if (first < 0 && cumulative >= p.fallAt) first = i;
    cumulative += s.ok;
  });
  assert.ok(first > 0, 'a whole second after the fall');
  // The last second is partial (the stage ends in it): leave it out of both.
  const last = result.timeSeries.length - 1;
  const measured = result.timeSeries.slice(first, last).reduce((n, s) => n + s.ok, 0);
  const predicted = p.curve.slice(first, last).reduce((n, c) => n + c, 0);
  return { measured, predicted, seconds: last - first };
}

function checkCalibration(result: RunResult): void {
  const cal = result.environment.portSearch!;
  assert.ok(cal, 'the probe ran and its calibration is in the environment');
  assert.equal(cal.kernel, release());
  assert.ok(cal.connect.fallAt !== null && Math.abs(cal.connect.fallAt - cal.connect.rangePorts / 2) <= 30, `${cal.behaviour}`);
  assert.ok(cal.connect.walk.length >= 1 && cal.connect.walk.every((w) => w.nsPerPort > 0), cal.behaviour);
  assert.ok(cal.bind.nsPerProbe !== null && cal.bind.nsPerProbe > 0, cal.behaviour);
}

const NAMESPACE = 'needs root and unshare -n for private network namespaces';

test('[native] connect() over two sources and two destination ports, a 6,000-port range without reuse: the fall at 4 x 3,000, the walk in connect() after it, the curve followed', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, NAMESPACE)) return;
  if (!engineReady(t, 'native')) return;
  const result = await run({
    engine: 'native',
    netns: true,
    profile: 'no-reuse',
    sysctl: ['net.ipv4.ip_local_port_range=40000 45999'],
    sources: 2,
    portMode: 'nobind',
    // Fixed ports, safe in the stage's private namespace: port 0 would take two from the range.
    listen: '127.0.0.1:8080,127.0.0.1:8081',
    close: 'client',
    connections: '16',
    duration: '3s',
  });
  const p = result.model.portSearch!;
  assert.ok(p, 'a port-search prediction');
  assert.equal(p.call, 'connect()');
  assert.equal(p.pairs, 4, '2 sources x 2 destinations');
  assert.equal(p.fallAt, 12_000);
  assert.equal(p.calibrated, true);
  checkCalibration(result);
  assert.ok(result.totals.ok > p.fallAt, `the stage passed the fall (${result.totals.ok} ok)`);
  assert.equal(result.totals.errorCount, 0, 'the range (24,000) was not used up');
  // connect()'s own time: the first second is mostly before the fall, the last whole one all after it.
  const before = secondMedianUs(result, 0, 'connectCallUs');
  const after = secondMedianUs(result, result.timeSeries.length - 2, 'connectCallUs');
  assert.ok(after >= 5 * before, `connect() median ${before} µs before the fall, ${after} µs after`);
  const { measured, predicted, seconds } = afterTheFall(result);
  assert.ok(seconds >= 1);
  assert.ok(
    measured >= 0.5 * predicted && measured <= 2 * predicted,
    `after the fall: measured ${measured} ok, the curve ${predicted} (${p.curve.join(', ')})`,
  );
  const ratio = result.totals.okPerSec / p.expectedPerSec!;
  assert.ok(ratio > 0.6 && ratio < 1.67, `meas/model ${ratio.toFixed(2)}`);
  assert.match(portSearchLine(result)!, /^port search: 12,000 connections went fast \(4 pairs x half of 6,000 ports/);
});

test('[native] the narrow profile (1,000 ports, no reuse), two sources, two destinations: all four pairs used, each range held to its last port, exactly as the model counts it', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, NAMESPACE)) return;
  if (!engineReady(t, 'native')) return;
  const result = await run({
    engine: 'native',
    netns: true,
    profile: 'narrow',
    sources: 2,
    portMode: 'nobind',
    listen: '127.0.0.1:8080,127.0.0.1:8081',
    close: 'client',
    connections: '8',
    duration: '2s',
  });
  const p = result.model.portSearch!;
  assert.equal(p.pairs, 4);
  assert.equal(p.fallAt, 2000);
  // Source and destination cursors stepping together made 2 of the 4 pairs: 2,000.
  assert.equal(result.totals.ok, 4000, 'every port of all four pairs, then none');
  assert.ok((result.totals.errors.EADDRNOTAVAIL ?? 0) > 0, 'connect() found no port');
  assert.equal(p.expectedOk, 4000, 'the model holds the range to what it has');
  assert.equal(
    p.curve.reduce((n, c) => n + c, 0),
    4000,
  );
});

test('[native] bind() over two sources, a 16,000-port range: the fall at 2 x a quarter, bind() walking after it, the curve followed', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, NAMESPACE)) return;
  if (!engineReady(t, 'native')) return;
  const result = await run({
    engine: 'native',
    netns: true,
    profile: 'no-reuse',
    sysctl: ['net.ipv4.ip_local_port_range=40000 55999'],
    sources: 2,
    portMode: 'bind',
    close: 'client',
    connections: '16',
    duration: '3s',
  });
  const p = result.model.portSearch!;
  assert.equal(p.call, 'bind()');
  assert.equal(p.pairs, 2);
  assert.equal(p.fallAt, 8000);
  checkCalibration(result);
  assert.ok(result.totals.ok > p.fallAt, `the stage passed the fall (${result.totals.ok} ok)`);
  const before = secondMedianUs(result, 0, 'bindCallUs');
  const after = secondMedianUs(result, result.timeSeries.length - 2, 'bindCallUs');
  assert.ok(after >= 5 * before, `bind() median ${before} µs before the fall, ${after} µs after`);
  const ratio = result.totals.okPerSec / p.expectedPerSec!;
  assert.ok(
    ratio > 0.6 && ratio < 1.67,
    `meas/model ${ratio.toFixed(2)}: ${result.timeSeries.map((s) => s.ok).join(', ')} against ${p.curve.join(', ')}`,
  );
  assert.match(portSearchLine(result)!, /2 source addresses x a quarter of 16,000 ports/);
});
