import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose, type DiagnosisInput } from '../../src/model/limited-by.js';
import type { SecondCounts } from '../../src/result/counts.js';

const seconds = (oks: number[]): SecondCounts[] => oks.map((ok, second) => ({ second, attempts: ok, ok, errors: {} }));

/** A closed-loop stage of 10 s where nothing stands out; each case changes what it is about. */
const BASE: DiagnosisInput = {
  portMode: 'bind',
  load: { kind: 'closed', connections: 64 },
  attempts: 50_000,
  ok: 50_000,
  okPerSec: 5_000,
  errors: {},
  statuses: {},
  timeSeries: seconds([5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000]),
  timeWaitSamples: [0, 5000, 10_000],
  kernel: {
    scope: 'namespace',
    tcp: { ActiveOpens: 50_000 },
    tcpExt: { TW: 50_000, TCPTimeWaitOverflow: 0, ListenOverflows: 0, ListenDrops: 0 },
  },
  cpu: { wallMs: 10_000, generator: { userMs: 4000, systemMs: 2000 }, target: { userMs: 3000, systemMs: 1000 }, generatorThreads: 1 },
  meanLatencyUs: 12_800,
  maxTwBuckets: 131_072,
};

test('each cause, from the figures that show it', () => {
  const cases: [string, Partial<DiagnosisInput>, string, RegExp][] = [
    [
      'TIME_WAIT table full',
      { kernel: { ...BASE.kernel!, tcpExt: { TCPTimeWaitOverflow: 247_079 } } },
      'tw-table',
      /tcp_max_tw_buckets 131,072\) was full: 247,079 closes skipped TIME_WAIT/,
    ],
    ['ports ran out', { ok: 1000, errors: { EADDRINUSE: 49_000 } }, 'ports', /49,000 of 50,000 attempts \(98 %\) failed with EADDRINUSE/],
    [
      'bind() searching past TIME_WAIT',
      {
        timeSeries: seconds([5700, 5000, 3000, 1500, 900, 700, 500, 400, 350, 320]),
        timeWaitSamples: [0, 9000, 14_000],
        cpu: { ...BASE.cpu!, generator: { userMs: 1500, systemMs: 7500 } },
      },
      'port-search',
      /fell from 4,567 to 357 while client TIME_WAIT grew to 14,000 .* bind\(\) searches the range/,
    ],
    [
      'connect() searching past TIME_WAIT (nobind: the address bound, the port left to connect())',
      {
        portMode: 'nobind',
        timeSeries: seconds([5700, 5000, 3000, 1500, 900, 700, 500, 400, 350, 320]),
        timeWaitSamples: [0, 9000, 14_000],
        cpu: { ...BASE.cpu!, generator: { userMs: 1500, systemMs: 7500 } },
      },
      'port-search',
      /TIME_WAIT grew to 14,000 .* connect\(\) searches the range/,
    ],
    ['target refusing', { ok: 40_000, errors: { ECONNREFUSED: 10_000 } }, 'target', /ECONNREFUSED 10,000/],
    [
      'accept queue overflowing',
      { kernel: { ...BASE.kernel!, tcpExt: { ListenOverflows: 30, ListenDrops: 30 } } },
      'target',
      /accept queue overflowed: ListenOverflows \+ ListenDrops rose by 60/,
    ],
    [
      'generator busy',
      { cpu: { ...BASE.cpu!, generator: { userMs: 7000, systemMs: 2800 } } },
      'generator-cpu',
      /generator 98 % of a core, built-in target 40 % of a core/,
    ],
    ['target busy', { cpu: { ...BASE.cpu!, target: { userMs: 6000, systemMs: 3000 } } }, 'target', /the built-in target was busy/],
    [
      'one of two target threads busy',
      {
        cpu: {
          ...BASE.cpu!,
          target: { userMs: 6000, systemMs: 3100 },
          targetThreads: [
            { userMs: 6000, systemMs: 3000 },
            { userMs: 0, systemMs: 100 },
          ],
        },
      },
      'target',
      /built-in target's busiest of 2 threads 90 % of a core/,
    ],
    [
      'two target threads each half busy: a core in all, but no thread saturated',
      {
        cpu: {
          ...BASE.cpu!,
          target: { userMs: 10_000, systemMs: 0 },
          targetThreads: [
            { userMs: 5000, systemMs: 0 },
            { userMs: 5000, systemMs: 0 },
          ],
        },
      },
      'none',
      /nothing saturated/,
    ],
    ["nothing saturated: Little's law", {}, 'none', /64 connections in a closed loop at a mean 12.80 ms each allow about 5,000\/s/],
    [
      'open loop at its rate',
      { load: { kind: 'open', ratePerSec: 2000, maxInFlight: 100 }, okPerSec: 2000 },
      'none',
      /asked for 2,000\/s and got 2,000 ok\/s/,
    ],
  ];
  for (const [name, change, cause, because] of cases) {
    const out = diagnose({ ...BASE, ...change });
    assert.equal(out.cause, cause, name);
    assert.match(out.because, because, name);
  }
});

test('a falling rate is not port-search unless TIME_WAIT grew and kernel time dominated', () => {
  const falling = seconds([5700, 5000, 3000, 1500, 900, 700, 500, 400, 350, 320]);
  assert.notEqual(
    diagnose({
      ...BASE,
      timeSeries: falling,
      timeWaitSamples: [9000, 9100, 9200],
      cpu: { ...BASE.cpu!, generator: { userMs: 1500, systemMs: 7500 } },
    }).cause,
    'port-search',
  );
  assert.notEqual(
    diagnose({
      ...BASE,
      timeSeries: falling,
      timeWaitSamples: [0, 14_000],
      cpu: { ...BASE.cpu!, generator: { userMs: 3000, systemMs: 1000 } },
    }).cause,
    'port-search',
  );
});

test('a trailing partial second does not count as a fall', () => {
  const series = [...seconds([5000, 5000, 5000, 5000, 5000, 5000]), { second: 6, attempts: 4, ok: 4, errors: {}, coveredMs: 3 }];
  assert.equal(diagnose({ ...BASE, timeSeries: series, cpu: { ...BASE.cpu!, generator: { userMs: 1500, systemMs: 3500 } } }).cause, 'none');
});
