import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeHistogram } from '../../src/result/histogram.js';
import { renderCompare } from '../../src/report/compare.js';
import { parseHgrm, renderHgrm } from '../../src/report/hgrm.js';
import { renderHtml } from '../../src/report/html.js';
import { readChartAssets } from '../../src/env/chart-assets.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSweepSummary } from '../../src/report/sweep-terminal.js';
import { validateResult } from '../../src/result/read-result.js';
import { ResultInputError } from '../../src/errors.js';
import type { SweepResult } from '../../src/result/sweep-result.js';
import { fixture, fixturePath } from '../helpers/fixtures.js';

const ASSETS = readChartAssets();

const stored = JSON.parse(fixture('sweep-result.json')) as SweepResult;

test('Markdown from the stored result matches the golden file', () => {
  const md = renderMarkdown(stored, { html: 'sweep.html', histograms: ['sweep.stage1-totalUs.hgrm'] });
  // UPDATE_GOLDEN=1 npm test rewrites it after a deliberate change of the report.
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(fixturePath('sweep-result.md'), md);
  assert.equal(md, fixture('sweep-result.md'));
});

test('the Markdown states the figures of the result', () => {
  const md = renderMarkdown(stored);
  const [one, two] = stored.stages;
  assert.ok(md.includes(`| 1 | ${one!.axisValue} |`));
  assert.ok(md.includes(one!.run.model.formula));
  assert.ok(md.includes(two!.run.model.formula));
  assert.ok(md.includes(`| 2 | ${two!.run.totals.attempts} | ${two!.run.totals.ok} |`));
  assert.ok(md.includes('namespace: each stage ran in a fresh network namespace of its own'));
  assert.ok(md.includes(`| ref | kernel (reference) |`));
  assert.ok(md.includes(`stage 1 (sources 1): ${one!.run.limitedBy!.cause}: ${one!.run.limitedBy!.because}`));
  assert.ok(md.includes(`| stage 1 (sources 1) | namespace | ${one!.run.kernel!.tcp.ActiveOpens!.toLocaleString('en-US')} |`));
  assert.doesNotMatch(md, /Shared host|TIME_WAIT table full/);
});

test('a stage whose TIME_WAIT table overflowed is flagged in every report, with what it means and how to avoid it', () => {
  const overflowed: SweepResult = structuredClone(stored);
  const run = overflowed.stages[1]!.run as { kernel: { tcpExt: Record<string, number> } };
  run.kernel.tcpExt.TCPTimeWaitOverflow = 1234;
  const flag =
    /TIME_WAIT table full in stage 2 \(sources 2\): TCPTimeWaitOverflow rose by 1,234\. Those closes skipped TIME_WAIT, so this stage measured a kernel without it/;
  assert.match(renderMarkdown(overflowed), flag);
  assert.match(renderSweepSummary(overflowed), flag);
  assert.match(renderHtml(overflowed, ASSETS), flag);
  assert.match(renderMarkdown(overflowed), /raise net\.ipv4\.tcp_max_tw_buckets inside the namespace/);
  assert.doesNotMatch(renderMarkdown(stored), /TIME_WAIT table full/);
});

test('stages that shared the host say so in one line at the top of every report', () => {
  const onHost: SweepResult = structuredClone(stored);
  for (const s of onHost.stages) Object.assign(s.run.plan, { netns: null, hostReason: '--no-netns was given' });
  const line = /Shared host: 2 of 3 stages ran in the host's network namespace \(--no-netns was given\)/;
  assert.match(renderMarkdown(onHost).split('\n').slice(0, 5).join('\n'), line);
  assert.match(renderSweepSummary(onHost).split('\n').slice(0, 2).join('\n'), line);
  assert.match(renderHtml(onHost, ASSETS), line);
});

test('charts leave out the trailing partial second', () => {
  const html = renderHtml(stored, ASSETS);
  const data = JSON.parse(/<script id="data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!.replace(/\\u003c/g, '<')) as {
    sections: { stages: { second: number[] }[] }[];
  };
  const run = stored.stages[0]!.run;
  const whole = run.timeSeries.filter((s) => s.coveredMs === undefined).length;
  assert.ok(run.timeSeries.at(-1)!.coveredMs !== undefined, 'the fixture ends mid-second');
  assert.equal(data.sections[0]!.stages[0]!.second.length, whole);
});

test('.hgrm files parse back to the percentiles of their histograms', () => {
  const files = renderHgrm(stored);
  const names = files.map((f) => f.name);
  assert.ok(names.includes('stage1-totalUs'));
  assert.ok(names.includes('stage2-totalCorrectedUs'));
  for (const file of files) {
    const [stage, name] = file.name.split('-') as [string, keyof SweepResult['stages'][number]['run']['latency']];
    const encoded = stored.stages[Number(stage.slice(5)) - 1]!.run.latency[name]!;
    const h = decodeHistogram(encoded.hdr);
    const rows = parseHgrm(file.text);
    assert.ok(rows.length > 10, file.name);
    assert.equal(rows.at(-1)!.totalCount, encoded.summary.count, file.name);
    for (const row of rows.filter((r) => r.percentile < 1)) {
      const expectedMs = h.getValueAtPercentile(row.percentile * 100) / 1000;
      assert.ok(Math.abs(row.valueMs - expectedMs) <= 0.0011, `${file.name} p${row.percentile}: ${row.valueMs} vs ${expectedMs}`);
    }
  }
});

test('the HTML page is self-contained: uPlot inlined, data embedded, no external references', () => {
  const html = renderHtml(stored, ASSETS);
  assert.match(html, /<script>[^<]*uPlot/);
  assert.ok(!/(src|href)=["']?https?:/i.test(html), 'no network references');
  assert.ok(html.includes('id="data"'));
  assert.equal((html.match(/<\/script>/g) ?? []).length, 3);
});

test('terminal summary and compare name every stage', () => {
  const text = renderSweepSummary(stored);
  assert.match(text, /portchurn sweep: sources 1, 2/);
  assert.equal(text.split('\n').filter((l) => /^\s+[12]\s+[12]\s/.test(l)).length, 2);
  const cmp = renderCompare([
    { label: 'a', result: stored },
    { label: 'b', result: stored },
  ]);
  assert.equal((cmp.match(/1\.00x/g) ?? []).length, 4);
});

test('corrupt, truncated and newer-schema results are refused with a clear error', () => {
  const cases: [unknown, RegExp][] = [
    [null, /not a portchurn result/],
    [{ schema: 'other/thing@1' }, /not a portchurn result/],
    [{ ...stored, schema: 'portchurn/result@2' }, /newer schema portchurn\/result@2.*upgrade portchurn/],
    [{ ...stored, stages: [{ index: 0 }] }, /stages missing or incomplete/],
    [{ ...stored, kind: 'soak' }, /unknown kind/],
    [{ schema: 'portchurn/result@1', kind: 'lab', profiles: [{ name: 'x', sweep: { stages: [{}] } }] }, /profiles missing or incomplete/],
    [{ schema: 'portchurn/result@1', kind: 'run', plan: {} }, /fields missing/],
  ];
  for (const [data, message] of cases)
    assert.throws(
      () => validateResult('x.json', data),
      (e: unknown) => e instanceof ResultInputError && message.test(e.message),
      String(message),
    );
  assert.equal(validateResult('x.json', stored).kind, 'sweep');
});

test('the HTML report charts total latency by second from the per-second histograms, and leaves the chart out when a result has none', () => {
  const assets = { uplotJs: '', uplotCss: '' };
  const withSeconds = JSON.parse(fixture('sweep-seconds-result.json')) as SweepResult;
  const html = renderHtml(withSeconds, assets);
  assert.ok(html.includes('id="chart-latency-time-0"'));
  const data = JSON.parse(/<script id="data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as {
    sections: { stages: { p99Ms: (number | null)[]; p50Ms: (number | null)[]; second: number[] }[] }[];
  };
  const stage = data.sections[0]!.stages[0]!;
  const seconds = withSeconds.stages[0]!.run.timeSeries.filter((s) => s.coveredMs === undefined);
  assert.equal(stage.p99Ms.length, seconds.length);
  for (const [i, s] of seconds.entries()) {
    const h = decodeHistogram(s.latency!.totalUs!);
    assert.equal(stage.p99Ms[i], Math.max(0.001, Math.min(h.getValueAtPercentile(99), h.maxValue) / 1000), `second ${i}`);
  }
  const old = JSON.parse(fixture('sweep-result.json')) as SweepResult;
  assert.ok(!renderHtml(old, assets).includes('id="chart-latency-time-'), 'no per-second histograms, no chart');
});

test("the port search in the reports, from a stored result alone: each stage's reading and its seconds (ok, the model's curve, the call's median)", () => {
  const result = JSON.parse(fixture('sweep-port-search-result.json')) as SweepResult;
  const md = renderMarkdown(result);
  const section = md.slice(md.indexOf('## Port search by second'));
  assert.ok(md.includes('## Port search by second'), 'the section is there');
  const stage1 = result.stages[0]!.run;
  const p = stage1.model.portSearch!;
  assert.equal(p.fallAt, 3000, '1 pair x half of 6,000');
  const row = (label: string, what: string): string[] =>
    section
      .split('\n')
      .find((l) => l.startsWith(`| ${label} | ${what} |`))!
      .split('|')
      .slice(3, -1)
      .map((c) => c.trim());
  const whole = stage1.timeSeries.filter((s) => s.coveredMs === undefined);
  assert.deepEqual(
    row('stage 1', 'ok').slice(0, whole.length),
    whole.map((s) => s.ok.toLocaleString('en-US')),
  );
  assert.deepEqual(
    row('', 'model').slice(0, whole.length),
    p.curve.slice(0, whole.length).map((n) => n.toLocaleString('en-US')),
  );
  assert.ok(section.includes('| ref kernel | ok |'), 'the reference row too');
  // The stage's reading names the fall's connection count and the call's time on either side.
  assert.match(md, /stage 1 \(sources 1\): port search: 3,000 connections went fast \(1 pair x half of 6,000 ports/);
  assert.match(md, /connect\(\) took [\d,]+ µs before it and [\d,]+ µs after/);
});
