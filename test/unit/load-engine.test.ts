import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ATTEMPT, F64_PER_RECORD, I32_PER_RECORD, NATIVE_ABI } from '../../src/addon/abi.js';
import { outcomeCode, recordInto } from '../../src/engine/native/native-engine.js';
import { nativeConfigOf } from '../../src/engine/native/native-config.js';
import { checkNativeConfig } from '../../src/addon/configs.js';
import { GRACE_MS } from '../../src/engine/load-engine.js';
import { ProgressMeter, sumProgress, unsentOf } from '../../src/engine/progress-meter.js';
import { Recorder } from '../../src/engine/recorder.js';
import { buildPlan, type RunOptions } from '../../src/plan/build-plan.js';
import { loadJobOf, type ResolvedTarget } from '../../src/runner/load-job.js';

const facts = { ephemeralPorts: { low: 32768, high: 60999 } };
const target: ResolvedTarget = {
  protocol: 'http',
  destinations: [{ host: '127.0.0.1', port: 8080 }],
  path: '/x?y=1',
  displayHost: '127.0.0.1',
  named: false,
};
const jobOf = (options: RunOptions, t: ResolvedTarget = target) => loadJobOf(buildPlan(options, facts), t, new Set([61001]));
const text = (bytes: Uint8Array | null): string => Buffer.from(bytes ?? []).toString('latin1');

test('unsent: what an open loop scheduled by its end (or deadline) and never sent; nothing for a closed loop', () => {
  const base = { startMs: 1000, endMs: 2000, durationMs: null, requests: null };
  assert.equal(unsentOf({ ...base, ratePerSec: null, attempts: 3 }), 0);
  // 1,000/s over 1,000 ms: requests 0..999 were due (the first at the start, the one due at the end not).
  assert.equal(unsentOf({ ...base, ratePerSec: 1000, attempts: 900 }), 100);
  assert.equal(unsentOf({ ...base, ratePerSec: 1000, attempts: 999 }), 1);
  assert.equal(unsentOf({ ...base, ratePerSec: 1000, attempts: 1000 }), 0, 'a load that sent all it was due leaves nothing unsent');
  assert.equal(unsentOf({ ...base, ratePerSec: 3, endMs: 1500, attempts: 1 }), 1, 'requests at 0 and 333 ms were due by 500 ms');
  // The deadline, not the last straggler, ends the schedule; the request count bounds it.
  assert.equal(unsentOf({ ...base, endMs: 2500, durationMs: 1000, ratePerSec: 1000, attempts: 1000 }), 0);
  assert.equal(unsentOf({ ...base, endMs: 2500, durationMs: 1000, ratePerSec: 1000, attempts: 990 }), 10);
  assert.equal(unsentOf({ ...base, requests: 950, ratePerSec: 1000, attempts: 900 }), 50);
});

test('progress: each line carries the totals and what the last second added; threads sum', () => {
  const meter = new ProgressMeter(100);
  const first = meter.next(1100, { attempts: 10, ok: 8, errors: 2 }, 4);
  assert.deepEqual(first, { elapsedMs: 1000, attempts: 10, ok: 8, errors: 2, inFlight: 4, lastSecond: { attempts: 10, ok: 8, errors: 2 } });
  const second = meter.next(2100, { attempts: 25, ok: 20, errors: 5 }, 3);
  assert.deepEqual(second.lastSecond, { attempts: 15, ok: 12, errors: 3 });
  const both = sumProgress([first, second]);
  assert.deepEqual(
    [both.elapsedMs, both.attempts, both.ok, both.errors, both.inFlight, both.lastSecond],
    [1000, 35, 28, 7, 7, { attempts: 25, ok: 20, errors: 5 }],
  );
});

test('the load job: the request serialised once for the close policy, the labels, the parts and their source indices', () => {
  const server = jobOf({ close: 'server', sources: '4', workers: 2, requests: 101, method: 'HEAD' });
  assert.match(text(server.target.request), /^HEAD \/x\?y=1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:8080\r\n.*Connection: close\r\n\r\n$/s);
  assert.equal(server.target.headRequest, true);
  assert.deepEqual(server.sourceLabels, ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
  assert.deepEqual(
    server.parts.map((p) => [p.sources, p.sourceIndices, p.requests]),
    [
      [['127.0.0.1', '127.0.0.3'], [0, 2], 51],
      [['127.0.0.2', '127.0.0.4'], [1, 3], 50],
    ],
  );
  // The client closing first (and keepalive) asks nothing: HTTP/1.1 keeps the connection by default.
  assert.doesNotMatch(text(jobOf({}).target.request), /Connection:/);
  assert.deepEqual(jobOf({}).sourceLabels, ['kernel']);
  assert.deepEqual(
    jobOf({}).parts.map((p) => p.sourceIndices),
    [[]],
  );
  const tcp = jobOf({ target: 'tcp://127.0.0.1:6379', payload: 'PING\r\n', expectBytes: 7 }, { ...target, protocol: 'tcp', path: '/' });
  assert.deepEqual([text(tcp.target.request), tcp.target.expectBytes], ['PING\r\n', 7]);
  assert.deepEqual(jobOf({ portMode: 'explicit', sources: '1', explicitPorts: '61000-61099' }).skipPorts, [61001]);
});

test("each native thread's configuration comes from the job and its part, and passes the check abi.json makes", () => {
  const job = jobOf({ sources: '4', workers: 2, rate: 100, duration: '2s', portMode: 'nobind' });
  const config = nativeConfigOf(job, job.parts[1]!, 5);
  checkNativeConfig(config);
  assert.deepEqual(
    [config.sources, config.connections, config.ratePerSec, config.durationMs, config.maxAttempts, config.graceMs, config.startMs],
    [['127.0.0.2', '127.0.0.4'], 5000, 50, 2000, null, GRACE_MS, 5],
  );
  assert.equal(config.request, job.target.request, 'the bytes serialised once, not rebuilt');
});

test("native records are read by abi.json's field names: timings, codes by name, the thread's source index mapped to the load's", () => {
  const buffer = new ArrayBuffer(NATIVE_ABI.records.attempt.bytes * 3);
  const f64 = new Float64Array(buffer);
  const i32 = new Int32Array(buffer);
  const put = (k: number, code: number, status: number, source: number): void => {
    const d = k * F64_PER_RECORD;
    const n = k * I32_PER_RECORD;
    f64[d + ATTEMPT.intendedMs] = 10;
    f64[d + ATTEMPT.startMs] = 10;
    f64[d + ATTEMPT.connectedMs] = 11;
    f64[d + ATTEMPT.firstByteMs] = 12;
    f64[d + ATTEMPT.doneMs] = 13;
    f64[d + ATTEMPT.atMs] = 13;
    i32[n + ATTEMPT.code] = code;
    i32[n + ATTEMPT.status] = status;
    i32[n + ATTEMPT.sourceIndex] = source;
  };
  put(0, 0, 200, 0);
  put(1, -5, 0, 1);
  put(2, 0, 502, 1);
  const recorder = new Recorder(0, ['a', 'b', 'c', 'd']);
  recordInto(recorder, buffer, [1, 3], true);
  assert.equal(recorder.ok, 1);
  assert.deepEqual(recorder.errors, { SOCKET_OPTION: 1, HTTP_5XX: 1 });
  assert.deepEqual(
    recorder.sources.map((s) => s.attempts),
    [0, 1, 0, 2],
  );
  // 3 ms from start to done, to the histogram's three significant digits.
  assert.ok(Math.abs(recorder.totalUs.getValueAtPercentile(50) - 3000) <= 3, String(recorder.totalUs.getValueAtPercentile(50)));
});

test('outcome codes: 0 by the HTTP status, negative ones by their name in abi.json, positive ones by errno name', () => {
  assert.equal(outcomeCode(0, 200, true), null);
  assert.equal(outcomeCode(0, 503, true), 'HTTP_5XX');
  assert.equal(outcomeCode(0, 0, false), null);
  for (const [name, code] of Object.entries(NATIVE_ABI.outcomeCodes.codes)) assert.equal(outcomeCode(code, 0, true), name);
  assert.equal(outcomeCode(-99, 0, true), 'OTHER');
  assert.equal(outcomeCode(99, 0, true), 'EADDRNOTAVAIL');
  assert.equal(outcomeCode(98, 0, true), 'EADDRINUSE');
});
