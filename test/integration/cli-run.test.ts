import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeHistogram, summarize } from '../../src/result/histogram.js';
import { type RunResult } from '../../src/result/result.js';
import { formatCount } from '../../src/report/format.js';
import { runCli } from '../helpers/cli.js';
import { testAddresses } from '../helpers/sockets.js';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { startCli, waitUntil } from '../helpers/events.js';
import { answerHttp, stall, startRecordingServer } from '../helpers/servers.js';
import { RESULT_SCHEMA } from '../../src/result/header.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-cli-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The result files in `dir` (not the index, nor the reports beside them). */
async function resultFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.json') && f !== 'index.json');
}

test('run --json prints the result it wrote; its histograms decode to the summaries it states', () =>
  withDir(async (dir) => {
    const out = await runCli([
      'run',
      '--sources',
      testAddresses(48, 3),
      '-n',
      '300',
      '-c',
      '6',
      '--close',
      'server',
      '--out',
      dir,
      '--json',
    ]);
    assert.equal(out.status, 0, out.stderr);
    const printed = JSON.parse(out.stdout) as RunResult;
    const files = await resultFiles(dir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^run-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.json$/);
    assert.ok((await readdir(dir)).includes(files[0]!.replace(/\.json$/, '.stage1.hlog')), 'the interval log beside it');
    const saved = JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as RunResult;
    assert.deepEqual(saved, printed);
    assert.equal(saved.schema, RESULT_SCHEMA);
    assert.equal(saved.totals.attempts, 300);
    assert.equal(saved.totals.ok + saved.totals.errorCount, 300);
    assert.equal(saved.sources.length, 3);
    assert.equal(
      saved.timeSeries.reduce((a, s) => a + s.attempts, 0),
      300,
    );
    for (const name of ['connectUs', 'ttfbUs', 'totalUs'] as const) {
      const h = saved.latency[name];
      assert.deepEqual(summarize(decodeHistogram(h.hdr)), h.summary, name);
    }
    assert.equal(saved.latency.totalUs.summary.count, saved.totals.ok);
    assert.ok(saved.environment.kernelRelease.length > 0);
    assert.match(saved.environment.sysctls['net.ipv4.ip_local_port_range'] ?? '', /^\d+ \d+$/);
    assert.ok(saved.environment.openFileLimit! > 0);
  }));

test('the terminal summary shows the numbers of the JSON result', () =>
  withDir(async (dir) => {
    const out = await runCli(['run', '-n', '200', '-c', '4', '--out', dir]);
    assert.equal(out.status, 0, out.stderr);
    const file = /result\s+(\S+\.json)/.exec(out.stdout)?.[1];
    assert.ok(file, out.stdout);
    const result = JSON.parse(await readFile(file, 'utf8')) as RunResult;
    const totalRow = out.stdout.split('\n').find((l) => l.trim().startsWith('total ') && !l.includes('µs') && !l.includes('ms'));
    assert.ok(totalRow, out.stdout);
    const cells = totalRow.trim().split(/\s+/);
    assert.deepEqual(cells.slice(1, 4), [
      formatCount(result.totals.attempts),
      formatCount(result.totals.ok),
      formatCount(result.totals.errorCount),
    ]);
    assert.match(out.stdout, new RegExp(`target saw\\s+${formatCount(result.target.stats!.connections)} connections`));
  }));

test('--quiet prints nothing and still writes the result', () =>
  withDir(async (dir) => {
    const out = await runCli(['run', '-n', '20', '-c', '2', '--out', dir, '--quiet']);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, '');
    assert.equal((await resultFiles(dir)).length, 1);
  }));

for (const [engine, signal, status] of ENGINES.flatMap(
  (e) =>
    [
      [e, 'SIGINT', 130],
      [e, 'SIGTERM', 143],
    ] as const,
)) {
  test(`[${engine}] ${signal} mid-run (once progress shows ok > 0) writes the partial result marked interrupted and exits ${status}`, (t) =>
    withDir(async (dir) => {
      if (!engineReady(t, engine)) return;
      const cli = startCli(['run', '--engine', engine, '-d', '30s', '-c', '4', '--out', dir, '--json']);
      await cli.progress((p) => Number(p.ok) > 0);
      cli.child.kill(signal);
      assert.equal(await cli.exited, status, cli.stderr());
      assert.match(cli.stderr(), new RegExp(`${signal}: stopping; in-flight attempts get 2 s`));
      const result = JSON.parse(cli.stdout()) as RunResult;
      assert.equal(result.engine, engine);
      assert.equal(result.interrupted, true);
      assert.ok(result.totals.ok > 0);
      assert.ok(result.totals.durationMs < 30_000);
      assert.equal((await resultFiles(dir)).length, 1);
    }));
}

test('a second signal exits at once: attempts still in flight are not waited for', () =>
  withDir(async (dir) => {
    // A target that accepts and never answers: after the first signal the run waits for its
    // in-flight attempts (the grace period); the second signal cuts that short.
    const server = await startRecordingServer(stall);
    try {
      const cli = startCli(['run', '--target', `http://127.0.0.1:${server.port}/`, '-d', '30s', '-c', '4', '--out', dir, '--json']);
      await server.whenAccepted(4);
      await cli.progress(() => true);
      cli.child.kill('SIGINT');
      await waitUntil(
        'the first signal to be taken',
        10_000,
        () => /SIGINT: stopping/.test(cli.stderr()),
        (wake) => {
          cli.child.stderr!.on('data', wake);
          return () => cli.child.stderr!.off('data', wake);
        },
      );
      cli.child.kill('SIGINT');
      assert.equal(await cli.exited, 130);
      assert.equal(cli.stdout(), '', 'no result: the second signal ended the process');
    } finally {
      await server.close();
    }
  }));

test('--fail-on: a threshold that holds exits 1 naming it and its value; the result records it; malformed exits 2', () =>
  withDir(async (dir) => {
    const pass = await runCli([
      'run',
      '-n',
      '50',
      '-c',
      '2',
      '--out',
      dir,
      '--quiet',
      '--fail-on',
      'error-rate>1%',
      '--fail-on',
      'p99>60s',
    ]);
    assert.equal(pass.status, 0, pass.stderr);
    const fail = await runCli(['run', '-n', '50', '-c', '2', '--out', dir, '--json', '--fail-on', 'ok<1000', '--fail-on', 'p99>1us']);
    assert.equal(fail.status, 1);
    assert.match(fail.stderr, /threshold held in run: ok<1000 \(measured 50, limit 1000\)/);
    assert.match(fail.stderr, /threshold held in run: p99>1us \(measured/);
    const result = JSON.parse(fail.stdout) as RunResult;
    assert.deepEqual(
      result.thresholds!.map((t) => t.failed),
      [true, true],
    );
    const bad = await runCli(['run', '-n', '5', '--out', dir, '--fail-on', 'p99 > soon']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--fail-on 'p99 > soon'/);
  }));

test("a crashed worker thread: the others' data is kept, the CLI names it and exits 1", () =>
  withDir(async (dir) => {
    // The JavaScript engine's worker threads (the fault switch crashes one of them).
    const out = await runCli(
      [
        'run',
        '--engine',
        'js',
        '-d',
        '2s',
        '-c',
        '8',
        '--sources',
        testAddresses(55, 4),
        '--close',
        'server',
        '--workers',
        '2',
        '--out',
        dir,
        '--json',
      ],
      { env: { PORTCHURN_FAULT: 'worker-crash:1' } },
    );
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stderr, /load worker 2 failed: injected crash/);
    const result = JSON.parse(out.stdout) as RunResult;
    assert.match(result.failures![0]!, /load worker 2/);
    assert.ok(result.totals.ok > 0, 'worker 1 measured');
    assert.equal(result.sources.length, 2, 'the sources of worker 1');
    assert.equal((await resultFiles(dir)).length, 1, 'the result was written');
  }));

test('an unwritable --out: the error says where, the result JSON goes to stdout, exit 1', () =>
  withDir(async (dir) => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const out = await runCli(['run', '-n', '20', '-c', '2', '--out', file]);
    assert.equal(out.status, 1);
    assert.match(out.stderr, new RegExp(`cannot write the result under ${file}`));
    const result = JSON.parse(out.stdout) as RunResult;
    assert.equal(result.totals.attempts, 20);
  }));

test('the target dies mid-run: failures are counted, the run goes on to its end and writes its result', async () => {
  const { run } = await import('../../src/runner/run.js');
  const server = await startRecordingServer(answerHttp);
  const result = run({
    target: `http://127.0.0.1:${server.port}/`,
    duration: '1500ms',
    connections: '4',
    close: 'server',
    sampleInterval: '0s',
  });
  // Closed once it has served 50 connections, however long the run's pre-flight took.
  await server.whenAccepted(50);
  await server.close();
  const r = await result;
  assert.ok(r.totals.ok >= 46, `before it died: ${r.totals.ok} ok`);
  assert.ok((r.totals.errors.ECONNREFUSED ?? 0) > 0, `after it died: ${JSON.stringify(r.totals.errors)}`);
  assert.equal(r.interrupted, false);
  assert.ok(r.totals.durationMs >= 1400);
});

test('results/ keeps an index of runs: what, when, where', () =>
  withDir(async (dir) => {
    await runCli(['run', '-n', '10', '-c', '1', '--out', dir, '--quiet']);
    await runCli(['run', '-n', '12', '-c', '1', '--out', dir, '--quiet']);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { file: string; kind: string; what: string }[];
    assert.equal(index.length, 2);
    const files = (await resultFiles(dir)).filter((f) => f.startsWith('run-'));
    assert.deepEqual(index.map((e) => e.file).sort(), files.sort());
    assert.match(index[1]!.what, /^run: http:\/\/127\.0\.0\.1:\d+\/, kernel sources, kernel, close client: 12 ok, 0 errors$/);
  }));

test('a corrupt results/index.json is kept aside, never overwritten, and a new index starts', () =>
  withDir(async (dir) => {
    for (const corrupt of ['[{"file": "run-1.json", "kind"', '{"not": "a list"}']) {
      await writeFile(join(dir, 'index.json'), corrupt);
      const out = await runCli(['run', '-n', '10', '-c', '1', '--out', dir, '--quiet']);
      assert.equal(out.status, 0, out.stderr);
      const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as unknown[];
      assert.equal(index.length, 1);
      const kept = (await readdir(dir)).filter((f) => f.startsWith('index.json.unreadable-'));
      const contents = await Promise.all(kept.map((f) => readFile(join(dir, f), 'utf8')));
      assert.ok(contents.includes(corrupt), `the corrupt index is kept: ${kept.join(', ')}`);
      for (const f of kept) await rm(join(dir, f));
    }
  }));
