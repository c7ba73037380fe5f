import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GroupCpuSeries, readGroupCpu } from '../../src/proxy/proxy-cpu.js';
import { proxyPortSearch } from '../../src/model/proxy-port-search.js';
import type { Prediction } from '../../src/result/prediction.js';

/** A /proc/PID/stat line: pgrp, utime, stime, cutime, cstime in ticks; the rest zeros. */
function stat(pid: number, comm: string, pgrp: number, utime: number, stime: number, cutime = 0, cstime = 0): string {
  return `${pid} (${comm}) S 1 ${pgrp} ${pgrp} 0 -1 4194560 0 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 0 0 0\n`;
}

async function fakeProc(entries: Record<number, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'portchurn-proc-'));
  for (const [pid, text] of Object.entries(entries)) {
    await mkdir(join(root, pid));
    await writeFile(join(root, pid, 'stat'), text);
  }
  await mkdir(join(root, 'self'));
  return root;
}

test("a process group's CPU from /proc: every member's utime and stime, the leader's reaped children, nobody else's", async () => {
  const root = await fakeProc({
    100: stat(100, 'nginx: master', 100, 5, 7, 30, 40),
    101: stat(101, 'nginx: worker (a) )x', 100, 200, 900),
    102: stat(102, 'other', 555, 1000, 1000),
  });
  try {
    const cpu = await readGroupCpu(100, root);
    assert.deepEqual(cpu, { userMs: (5 + 200 + 30) * 10, systemMs: (7 + 900 + 40) * 10, processes: 2 });
    assert.equal(await readGroupCpu(999, root), null, 'a group with no process left');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the series: the whole from the first reading to the last, and each interval by the second its middle falls in', async () => {
  const root = await fakeProc({ 7: stat(7, 'haproxy', 7, 0, 0) });
  try {
    const series = new GroupCpuSeries(7, root);
    await series.sample(0);
    await writeFile(join(root, '7', 'stat'), stat(7, 'haproxy', 7, 10, 20));
    await series.sample(1004);
    await writeFile(join(root, '7', 'stat'), stat(7, 'haproxy', 7, 15, 120));
    await series.sample(2010);
    const r = series.result(2010)!;
    assert.equal(r.userMs, 150);
    assert.equal(r.systemMs, 1200);
    assert.equal(r.coreShare, 0.672);
    assert.deepEqual(r.perSecond, [
      { second: 0, userMs: 100, systemMs: 200 },
      { second: 1, userMs: 50, systemMs: 1000 },
    ]);
    assert.equal(new GroupCpuSeries(7, root).result(1000), null, 'fewer than two readings');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

const MODEL = { portBound: true, usablePorts: 1000 } as Prediction;

test("the proxy's port search: the fall at pairs x half the range, the second it came in, system time per second and per connection on either side", () => {
  const p = proxyPortSearch({
    portMode: 'kernel',
    sources: 1,
    model: MODEL,
    proxyHoldsTimeWait: true,
    upstreamConnections: 1000,
    clientOkPerSecond: [300, 300, 200, 100, 100],
    cpu: {
      userMs: 0,
      systemMs: 0,
      coreShare: 0,
      processes: 2,
      perSecond: [
        { second: 0, userMs: 5, systemMs: 10 },
        { second: 1, userMs: 5, systemMs: 12 },
        { second: 2, userMs: 5, systemMs: 80 },
        { second: 3, userMs: 5, systemMs: 90 },
        { second: 4, userMs: 5, systemMs: 5 },
      ],
    },
  })!;
  assert.equal(p.fallAt, 500);
  assert.equal(p.fallSecond, 1, '300 + 300 passes 500 in second 1');
  assert.equal(p.systemMsPerSecBefore, 10, 'second 0 alone is wholly before');
  assert.equal(p.systemMsPerSecAfter, 85, 'seconds 2 and 3; the last, partial one left out');
  assert.equal(p.systemUsPerConnectionBefore, 33);
  assert.equal(p.systemUsPerConnectionAfter, 567);
  assert.match(p.reading, /the fall at 500 upstream connections \(1 pair x half of 1,000 ports\) came in second 1/);
  const split = proxyPortSearch({
    portMode: 'nobind',
    sources: 4,
    model: MODEL,
    proxyHoldsTimeWait: true,
    upstreamConnections: 900,
    clientOkPerSecond: [900],
    cpu: null,
  })!;
  assert.equal(split.fallAt, 2000);
  assert.equal(split.fallSecond, null);
  assert.match(split.reading, /short of the fall at 2,000 .*not read/);
  const base = { sources: 1, model: MODEL, proxyHoldsTimeWait: true, upstreamConnections: 1, clientOkPerSecond: [1], cpu: null };
  assert.equal(proxyPortSearch({ ...base, portMode: 'explicit' }), null, 'explicit ports search nothing');
  assert.equal(proxyPortSearch({ ...base, portMode: 'kernel', proxyHoldsTimeWait: false }), null, 'TIME_WAIT upstream: nothing held');
});
