import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { HistogramLogReader, type Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, decodeHistogram } from '../../src/result/histogram.js';
import type { RunResult } from '../../src/result/result.js';
import { renderStageHlog } from '../../src/report/hlog.js';
import { parseHgrm } from '../../src/report/hgrm.js';
import { prerequisite } from '../helpers/prereq.js';
import { checkResultSchema } from '../../src/result/result-schemas.js';
import { run } from '../../src/runner/run.js';
import { runCli } from '../helpers/cli.js';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { testAddresses } from '../helpers/sockets.js';
import { fixture } from '../helpers/fixtures.js';
import { distributionOf } from '../helpers/histograms.js';

const TAGS = { connect: 'connectUs', ttfb: 'ttfbUs', total: 'totalUs' } as const;
/** Every tag a log may carry; the native engine's system-call times only where the run has them. */
const ALL_TAGS = { ...TAGS, 'connect-call': 'connectCallUs', 'bind-call': 'bindCallUs' } as const;

function tagsOf(result: RunResult): [string, keyof typeof result.latency][] {
  return Object.entries(ALL_TAGS).filter(([, key]) => (result.latency[key] ?? null) !== null);
}

/** Every interval of a log, read back with hdr-histogram-js' own reader. */
function readLog(text: string): Histogram[] {
  const reader = new HistogramLogReader(text);
  const out: Histogram[] = [];
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) out.push(h);
  return out;
}

/**
 * The log of a run read back: per tag, the intervals add up exactly to the run's histogram (the
 * count and the whole percentile distribution, which lists every bucket's value and percentile),
 * one interval per second of the run, each starting one second after the one before at the
 * load's start.
 */
function assertLogAddsUp(text: string, result: RunResult): void {
  const intervals = readLog(text);
  const seconds = result.timeSeries.length;
  assert.ok(seconds >= 2, `the run covered ${seconds} seconds`);
  const tags = tagsOf(result);
  assert.equal(
    tags.length,
    result.engine === 'native' ? 5 : 3,
    'connect, ttfb, total, and the native engine its connect() and bind() calls',
  );
  assert.equal(intervals.length, seconds * tags.length, 'a tagged interval a second for each');
  const startMs = Date.parse(result.loadStartedAt!);
  for (const [tag, key] of tags) {
    const mine = intervals.filter((h) => h.tag === tag);
    assert.equal(mine.length, seconds, `${tag}: one interval a second`);
    const sum = createLatencyHistogram();
    for (const [i, h] of mine.entries()) {
      assert.equal(Math.round(h.startTimeStampMsec), startMs + i * 1000, `${tag} interval ${i} starts ${i} s after the load`);
      const lengthMs = Math.round(h.endTimeStampMsec - h.startTimeStampMsec);
      assert.equal(lengthMs, result.timeSeries[i]!.coveredMs ?? 1000, `${tag} interval ${i} is the part of the second the load covered`);
      sum.add(h);
    }
    const whole = decodeHistogram(result.latency[key]!.hdr);
    assert.ok(whole.totalCount > 0, `${tag}: the run recorded values`);
    assert.equal(sum.totalCount, whole.totalCount, `${tag}: counts`);
    assert.equal(distributionOf(sum), distributionOf(whole), `${tag}: every percentile`);
  }
}

for (const engine of ENGINES) {
  for (const workers of ['1', '2']) {
    test(`[${engine}] ${workers} worker(s): the interval log's seconds add up exactly to the run's histograms`, async (t: TestContext) => {
      if (!engineReady(t, engine)) return;
      const result = await run({
        engine,
        workers,
        sources: testAddresses(engine === 'js' ? 63 : 163, 4),
        rate: '300',
        duration: '2500ms',
        close: 'client',
        sampleInterval: '0s',
      });
      assert.equal(result.totals.errorCount, 0);
      assert.deepEqual(checkResultSchema(result), [], 'the result matches schemas/run.schema.json');
      assertLogAddsUp(renderStageHlog(result, 'stage1')!, result);
    });
  }
}

test('run writes X.stage1.hlog; merge writes the merged log, equal to the hosts added second by second; report re-renders it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-hlog-'));
  try {
    const runs: RunResult[] = [];
    for (const block of [64, 65]) {
      const out = await runCli([
        'run',
        '--sources',
        testAddresses(block, 2),
        '--rate',
        '200',
        '--duration',
        '2s',
        '--sample-interval',
        '0s',
        '--out',
        join(dir, String(block)),
      ]);
      assert.equal(out.status, 0, out.stderr);
      const files = readdirSync(join(dir, String(block)));
      const json = files.find((f) => f.endsWith('.json') && f !== 'index.json')!;
      const hlog = files.filter((f) => f.endsWith('.hlog'));
      assert.deepEqual(hlog, [json.replace(/\.json$/, '.stage1.hlog')]);
      assert.match(out.stdout, /report {6}.*\.stage1\.hlog/);
      const result = JSON.parse(readFileSync(join(dir, String(block), json), 'utf8')) as RunResult;
      assertLogAddsUp(readFileSync(join(dir, String(block), hlog[0]!), 'utf8'), result);
      runs.push(result);
    }
    const paths = [join(dir, 'a.json'), join(dir, 'b.json')];
    await writeFile(paths[0]!, JSON.stringify(runs[0]));
    await writeFile(paths[1]!, JSON.stringify(runs[1]));
    const merged = await runCli(['merge', ...paths, '--out', join(dir, 'merged')]);
    assert.equal(merged.status, 0, merged.stderr);
    const files = readdirSync(join(dir, 'merged'));
    const json = files.find((f) => f.startsWith('merged-') && f.endsWith('.json'))!;
    const hlogName = json.replace(/\.json$/, '.stage1.hlog');
    assert.ok(files.includes(hlogName), `merge wrote ${hlogName}: ${files.join(', ')}`);
    const result = JSON.parse(readFileSync(join(dir, 'merged', json), 'utf8')) as RunResult;
    assert.equal(result.totals.ok, runs[0]!.totals.ok + runs[1]!.totals.ok);
    const text = readFileSync(join(dir, 'merged', hlogName), 'utf8');
    assertLogAddsUp(text, result);
    // Second by second, each tag of the merged log is the two hosts' intervals of that second added.
    const hosts = runs.map((r) => readLog(renderStageHlog(r, 'stage1')!));
    const merged1 = readLog(text);
    for (const tag of Object.keys(TAGS)) {
      for (const [i, h] of merged1.filter((x) => x.tag === tag).entries()) {
        const sum = createLatencyHistogram();
        for (const host of hosts) {
          const same = host.filter((x) => x.tag === tag)[i];
          if (same) sum.add(same);
        }
        assert.equal(distributionOf(h), distributionOf(sum), `merged second ${i} (${tag})`);
      }
    }
    // A stored result's log is rendered again by `portchurn report`, the same bytes.
    await rm(join(dir, 'merged', hlogName));
    const report = await runCli(['report', join(dir, 'merged', json), '--format', 'hlog']);
    assert.equal(report.status, 0, report.stderr);
    assert.equal(readFileSync(join(dir, 'merged', hlogName), 'utf8'), text);
    assert.match(report.stdout, /report {2}\S+\.stage1\.hlog/);
    // A result from before the per-second histograms has none to give, and says so.
    const old = join(dir, 'old.json');
    await writeFile(old, fixture('sweep-result.json'));
    const none = await runCli(['report', old, '--format', 'hlog']);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /hlog {4}none: this result has no per-second latency histograms/);
    assert.ok(!readdirSync(dir).some((f) => f.startsWith('old.') && f.endsWith('.hlog')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const HDR_JAR = '/usr/share/java/hdrhistogram.jar';

test("HdrHistogram's own Java HistogramLogProcessor reads the log: per tag, each interval's count and the overall distribution are the run's", async (t) => {
  const java = spawnSync('java', ['-version']).status === 0;
  const why = 'needs Java and HdrHistogram (apt-get install -y default-jre-headless libhdrhistogram-java)';
  if (!prerequisite(t, java && existsSync(HDR_JAR), why)) return;
  const result = await run({
    engine: 'js',
    sources: testAddresses(66, 2),
    rate: '400',
    duration: '2500ms',
    close: 'client',
    sampleInterval: '0s',
  });
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-hlog-java-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = join(dir, 'run.stage1.hlog');
  await writeFile(log, renderStageHlog(result, 'stage1')!);
  const listed = spawnSync('java', ['-cp', HDR_JAR, 'org.HdrHistogram.HistogramLogProcessor', '-i', log, '-listtags'], {
    encoding: 'utf8',
  });
  assert.equal(listed.status, 0, listed.stderr);
  for (const tag of Object.keys(TAGS)) assert.match(listed.stdout, new RegExp(`^${tag}$`, 'm'));
  for (const [tag, key] of Object.entries(TAGS)) {
    const out = join(dir, `out-${tag}`);
    // Values were logged in µs: a ratio of 1000 prints milliseconds, as our .hgrm files do.
    const processed = spawnSync(
      'java',
      [
        '-cp',
        HDR_JAR,
        'org.HdrHistogram.HistogramLogProcessor',
        '-i',
        log,
        '-tag',
        tag,
        '-o',
        out,
        '-csv',
        '-outputValueUnitRatio',
        '1000',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(processed.status, 0, processed.stderr);
    const rows = (file: string): string[][] =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => /^[\d.]+,/.test(l))
        .map((l) => l.split(','));
    // One row per interval: its count is that second's, for this tag.
    const perSecond = result.timeSeries.map((s) => (s.latency?.[key] ? decodeHistogram(s.latency[key]).totalCount : 0));
    assert.deepEqual(
      rows(out).map((r) => Number(r[1])),
      perSecond,
      `${tag}: each interval's count`,
    );
    // The whole log added up: the same distribution, row for row, as the run's histogram.
    const java = rows(`${out}.hgrm`).map(([v, p, c]) => ({ valueMs: Number(v), percentile: Number(p), totalCount: Number(c) }));
    const ours = parseHgrm(decodeHistogram(result.latency[key].hdr).outputPercentileDistribution(5, 1000));
    assert.equal(java.length, ours.length, `${tag}: as many rows`);
    for (const [i, row] of java.entries()) {
      assert.equal(row.valueMs, ours[i]!.valueMs, `${tag} row ${i}: value`);
      assert.equal(row.totalCount, ours[i]!.totalCount, `${tag} row ${i}: count`);
      assert.ok(Math.abs(row.percentile - ours[i]!.percentile) < 1e-9, `${tag} row ${i}: percentile`);
    }
  }
});
