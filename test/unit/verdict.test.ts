// One verdict for every result kind, and every report shows it: stored real results (a sweep, a
// proxy scenario) with an engine failure, a threshold that held, a proxy exit or an interruption
// written into them, rendered by each reporter.
import assert from 'node:assert/strict';
import { renderNatMarkdown } from '../../src/report/nat-report.js';
import { verdictMarkdown } from '../../src/report/verdict-text.js';
import { test } from 'node:test';
import { readChartAssets } from '../../src/env/chart-assets.js';
import { renderJunit, renderStepSummary } from '../../src/report/ci-report.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderProxyHtml, renderProxyMarkdown } from '../../src/report/proxy-report.js';
import { renderSweepSummary } from '../../src/report/sweep-terminal.js';
import { renderRunSummary } from '../../src/report/terminal.js';
import type { LabResult } from '../../src/result/lab-result.js';
import type { ProxyResult } from '../../src/result/proxy-result.js';
import type { AnyResult } from '../../src/result/read-result.js';
import type { RunResult } from '../../src/result/result.js';
import type { SweepResult } from '../../src/result/sweep-result.js';
import { verdictHeadline, verdictOf } from '../../src/result/verdict.js';
import { mergeRunResults } from '../../src/runner/merge-results.js';
import { fixture } from '../helpers/fixtures.js';
import { parseJunit } from '../helpers/junit.js';

const ASSETS = readChartAssets();
const sweep = (): SweepResult => JSON.parse(fixture('sweep-result.json')) as SweepResult;
const proxy = (): ProxyResult => JSON.parse(fixture('proxy-result.json')) as ProxyResult;
const CRASH = 'load worker 2 failed: injected crash';

/** A copy of `run` with an engine failure recorded, as the engines record one. */
function withFailure(run: RunResult, text = CRASH): RunResult {
  return { ...run, failures: [...(run.failures ?? []), text] };
}

function withStageFailure(s: SweepResult, stage: number): SweepResult {
  return { ...s, stages: s.stages.map((st, i) => (i === stage ? { ...st, run: withFailure(st.run) } : st)) };
}

/** Every report a result has, as text. */
function reports(result: AnyResult): Record<string, string> {
  const common = { junit: renderJunit(result), step: renderStepSummary(result) };
  if (result.kind === 'proxy')
    return { ...common, terminal: renderSweepSummary(result), md: renderProxyMarkdown(result), html: renderProxyHtml(result, ASSETS) };
  if (result.kind === 'nat')
    return { ...common, terminal: renderSweepSummary(result), md: renderNatMarkdown(result, verdictMarkdown(result)) };
  return {
    ...common,
    terminal: result.kind === 'run' ? renderRunSummary(result) : renderSweepSummary(result),
    md: renderMarkdown(result),
    html: renderHtml(result, ASSETS),
  };
}

/** Checks every report of `result` carries the verdict line `headline` and each problem line. */
function assertShownEverywhere(result: AnyResult, headline: string, problems: readonly RegExp[]): void {
  const r = reports(result);
  assert.match(r.terminal!, new RegExp(`verdict +${escape(headline)}`));
  assert.ok(r.md!.includes(`**Verdict: ${headline}**`), 'Markdown');
  assert.ok(r.html!.includes(`Verdict: ${headline}`), 'HTML');
  assert.ok(r.step!.includes(`**${headline}**`), 'job summary');
  const unescaped = (name: string, text: string): string =>
    name === 'html'
      ? text
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&amp;/g, '&')
      : text;
  for (const p of problems)
    for (const [name, text] of Object.entries(r)) if (name !== 'junit') assert.match(unescaped(name, text), p, name);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('a stored sweep passes; an engine failure in one stage fails it, named in every report and counted in JUnit', () => {
  const passed = verdictOf(sweep());
  assert.equal(passed.status, 'passed');
  assert.equal(verdictHeadline(passed), 'PASSED: no thresholds; 2 of 2 stages ran');
  const failed = withStageFailure(sweep(), 1);
  const v = verdictOf(failed);
  assert.equal(v.status, 'failed');
  assert.deepEqual(v.problems, [{ kind: 'engine', where: 'stage 2 (sources 2)', text: CRASH }]);
  assertShownEverywhere(failed, 'FAILED: 1 engine failure, no thresholds; 2 of 2 stages ran', [
    /engine failure in stage 2 \(sources 2\): load worker 2 failed: injected crash/,
  ]);
  const doc = parseJunit(renderJunit(failed));
  assert.equal(doc.testsuites['@_errors'], '1');
  const stage2 = doc.testsuites.testsuite.find((s) => s['@_name'] === 'stage 2 (sources 2)')!;
  assert.equal(stage2['@_errors'], '1');
  assert.deepEqual([stage2.testcase![0]!.error!['@_type'], stage2.testcase![0]!.error!['@_message']], ['engine', CRASH]);
});

test('a reference row and a run each carry their own failures', () => {
  const s = sweep();
  const withRef: SweepResult = {
    ...s,
    references: s.references!.map((r) => ({ ...r, run: withFailure(r.run, 'native thread 1: its loop failed (EBADF)') })),
  };
  assert.deepEqual(verdictOf(withRef).problems[0]!.where, 'reference kernel');
  const run = withFailure(s.stages[0]!.run);
  assert.equal(verdictOf(run).status, 'failed');
  assertShownEverywhere(run, 'FAILED: 1 engine failure, no thresholds; 1 of 1 run ran', [/engine failure in run: load worker 2 failed/]);
});

test("a lab's failure in one profile's stage fails the lab once, under one verdict", () => {
  const s = sweep();
  const lab: LabResult = {
    ...s,
    kind: 'lab',
    profiles: [
      { name: 'host', description: 'd', sysctls: {}, sweep: s },
      { name: 'narrow', description: 'd', sysctls: {}, sweep: withStageFailure(s, 0) },
    ],
  } as unknown as LabResult;
  const v = verdictOf(lab);
  assert.equal(v.status, 'failed');
  assert.deepEqual(v.walked, { ran: 4, planned: 4, unit: 'stage' });
  assert.equal(v.problems[0]!.where, 'profile narrow stage 1 (sources 1)');
  const terminal = renderSweepSummary(lab);
  assert.equal(terminal.match(/ verdict /g)?.length, 1, 'one verdict for the lab, not one per profile');
  assert.match(renderMarkdown(lab), /engine failure in profile narrow stage 1 \(sources 1\)/);
});

test('a threshold that held and an interruption: FAILED and INTERRUPTED, and JUnit says which', () => {
  const s = sweep();
  const held: SweepResult = {
    ...s,
    stages: s.stages.map((st, i) =>
      i === 0
        ? {
            ...st,
            run: { ...st.run, thresholds: [{ text: 'ok<100000', stage: null, measured: 10, limit: 100000, failed: true, note: null }] },
          }
        : st,
    ),
  };
  assertShownEverywhere(held, 'FAILED: 1 of 1 threshold held; 2 of 2 stages ran', [
    /threshold held in stage 1 \(sources 1\): ok<100000 \(measured 10/,
  ]);
  const cut: SweepResult = { ...s, interrupted: true, stages: s.stages.slice(0, 1), references: [] };
  const v = verdictOf(cut);
  assert.equal(v.status, 'interrupted');
  assert.equal(verdictHeadline(v), 'INTERRUPTED: no thresholds; 1 of 2 stages ran');
  const doc = parseJunit(renderJunit(cut));
  const verdict = doc.testsuites.testsuite[0]!;
  assert.equal(verdict['@_name'], 'verdict');
  assert.equal(verdict.testcase![0]!.error!['@_type'], 'interrupted');
  assert.match(verdict.testcase![0]!.error!['@_message'], /1 of 2 stages ran/);
  assert.equal(doc.testsuites['@_errors'], '1');
});

test("a proxy that exited during its variant and a variant's engine failure fail a proxy result, in every report", () => {
  const p = proxy();
  assert.equal(verdictOf(p).status, 'passed');
  const [first, ...rest] = p.variants;
  const died: ProxyResult = {
    ...p,
    variants: [{ ...first!, proxyExit: { code: null, signal: 'SIGKILL', atMs: 2500 }, client: withFailure(first!.client) }, ...rest],
  };
  const v = verdictOf(died);
  assert.deepEqual(
    v.problems.map((x) => x.kind),
    ['engine', 'proxy'],
  );
  const where = `variant ${first!.kind} ${first!.variant}`;
  assertShownEverywhere(died, `FAILED: 1 engine failure, 1 proxy exit, no thresholds; ${p.variants.length} variants ran`, [
    new RegExp(`proxy exited in ${where}: ${first!.kind} was killed by SIGKILL 2\\.5 s into the variant`),
    new RegExp(`engine failure in ${where}: load worker 2`),
  ]);
  const doc = parseJunit(renderJunit(died));
  assert.equal(doc.testsuites['@_errors'], '2');
  const suite = doc.testsuites.testsuite.find((s) => s['@_name'] === where)!;
  assert.deepEqual(
    suite.testcase!.map((c) => c.error?.['@_type']),
    ['engine', 'proxy'],
  );
});

test("merge carries every host's engine failures and judges the thresholds on the merged figures", () => {
  const run = sweep().stages[0]!.run;
  const a = withFailure(run, 'native thread 2: 7 finished attempts are missing from the figures (out of memory)');
  const b = withFailure(run);
  const planned = {
    ...run.plan,
    thresholds: [
      {
        metric: 'ok' as const,
        op: '<' as const,
        value: run.totals.ok * 2 - 1,
        text: `ok<${run.totals.ok * 2 - 1}`,
        relativeToModel: false,
      },
    ],
  };
  const merged = mergeRunResults([
    { path: 'a.json', result: { ...a, plan: planned, thresholds: [] } },
    { path: 'b.json', result: { ...b, plan: planned } },
  ]);
  assert.deepEqual(merged.failures, [`a.json: ${a.failures![0]}`, `b.json: ${CRASH}`]);
  // Each host alone held ok<2n-1; the two together did not.
  assert.deepEqual(
    merged.thresholds!.map((t) => [t.measured, t.failed]),
    [[run.totals.ok * 2, false]],
  );
  const v = verdictOf(merged);
  assert.equal(v.status, 'failed');
  assert.deepEqual(
    v.problems.map((p) => p.where),
    ['merged run', 'merged run'],
  );
  assert.match(renderRunSummary(merged), /engine failure in merged run: b\.json: load worker 2 failed/);
});
