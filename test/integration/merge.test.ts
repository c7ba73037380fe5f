import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeHistogram } from '../../src/result/histogram.js';
import type { RunResult } from '../../src/result/result.js';
import { runCli } from '../helpers/cli.js';
import { answerHttp, startRecordingServer } from '../helpers/servers.js';
import { testAddresses } from '../helpers/sockets.js';
import { run } from '../../src/runner/run.js';

test('portchurn merge: two generators of one plan read as one, histograms added exactly, a row per host', async () => {
  const server = await startRecordingServer(answerHttp);
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-merge-'));
  try {
    const target = `http://127.0.0.1:${server.port}/`;
    // Two "hosts": the same plan, each from its own source block.
    const a = await run({
      target,
      sources: testAddresses(53, 2),
      requests: '150',
      connections: '3',
      close: 'server',
      sampleInterval: '0s',
    });
    const b = await run({
      target,
      sources: testAddresses(54, 2),
      requests: '250',
      connections: '3',
      close: 'server',
      sampleInterval: '0s',
    });
    await writeFile(join(dir, 'a.json'), JSON.stringify(a));
    await writeFile(join(dir, 'b.json'), JSON.stringify(b));
    const out = await runCli(['merge', join(dir, 'a.json'), join(dir, 'b.json'), '--out', dir, '--json']);
    assert.equal(out.status, 0, out.stderr);
    const merged = JSON.parse(out.stdout) as RunResult;
    assert.equal(merged.totals.attempts, 400);
    assert.equal(merged.totals.ok, 400);
    assert.equal(merged.sources.length, 4);
    assert.equal(merged.plan.sources.length, 4);
    assert.deepEqual(
      merged.hosts!.map((h) => h.attempts),
      [150, 250],
    );
    assert.equal(merged.latency.totalUs.summary.count, 400);
    const sum = decodeHistogram(a.latency.totalUs.hdr);
    sum.add(decodeHistogram(b.latency.totalUs.hdr));
    assert.equal(merged.latency.totalUs.summary.p99Us, Math.min(sum.getValueAtPercentile(99), sum.maxValue));
    assert.equal(server.accepted.length, 400);

    const other = await run({ target, requests: '5', connections: '1', close: 'client', sampleInterval: '0s' });
    await writeFile(join(dir, 'c.json'), JSON.stringify(other));
    const refused = await runCli(['merge', join(dir, 'a.json'), join(dir, 'c.json'), '--out', dir]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /ran another plan/);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
