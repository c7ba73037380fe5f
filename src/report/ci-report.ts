import { parseThreshold } from '../plan/thresholds.js';
import type { LabResult } from '../result/lab-result.js';
import type { RunResult } from '../result/result.js';
import type { SweepResult } from '../result/sweep-result.js';
import { describeOutcome } from '../result/thresholds.js';
import type { ThresholdOutcome } from '../result/threshold-outcome.js';
import { formatCount, formatLatencyUs, formatRate } from './format.js';
import { mdTable } from './markup.js';
import { stageCells, stageHeader, stageRows } from './stage-rows.js';
import { stagesOf } from './stages-view.js';

/** Results that carry `--fail-on` thresholds. */
export type GatedResult = RunResult | SweepResult | LabResult;

/** One run a CI system sees as a test suite: a run, a sweep's stage, or a lab profile's stage. */
interface Suite {
  readonly name: string;
  readonly run: RunResult;
}

function suitesOf(result: GatedResult): Suite[] {
  if (result.kind === 'run') return [{ name: 'run', run: result }];
  if (result.kind === 'sweep')
    return result.stages.map((s) => ({ name: `stage ${s.index + 1} (${result.axis} ${s.axisValue})`, run: s.run }));
  return result.profiles.flatMap((p) =>
    p.sweep.stages.map((s) => ({ name: `profile ${p.name} stage ${s.index + 1} (${p.sweep.axis} ${s.axisValue})`, run: s.run })),
  );
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The failure text of a threshold that held: what was measured against what limit. */
function outcomeText(o: ThresholdOutcome): string {
  return describeOutcome({ ...o, stage: null }, parseThreshold(o.text).metric);
}

function properties(run: RunResult): string {
  const total = run.latency.totalCorrectedUs ?? run.latency.totalUs;
  const props: [string, string][] = [
    ['target', run.target.url],
    ['sources', String(run.plan.sources.length || 'kernel')],
    ['ok', String(run.totals.ok)],
    ['errors', String(run.totals.errorCount)],
    ['okPerSec', String(run.totals.okPerSec)],
    ['p99Us', String(total.summary.p99Us)],
  ];
  return props.map(([name, value]) => `      <property name="${xml(name)}" value="${xml(value)}"/>`).join('\n');
}

/**
 * JUnit XML of a run, sweep or lab (`--junit FILE`): each stage a `<testsuite>`, each `--fail-on`
 * threshold a `<testcase>` that fails (`<failure>`, with the measured value and the limit) when
 * its condition held. A stage without thresholds is a suite of no tests. As Jenkins, GitLab and
 * the GitHub JUnit actions read it (the junit-10 layout).
 */
export function renderJunit(result: GatedResult): string {
  const suites = suitesOf(result);
  const outcomes = suites.flatMap((s) => s.run.thresholds ?? []);
  const failures = outcomes.filter((o) => o.failed).length;
  const totalMs = suites.reduce((sum, s) => sum + s.run.totals.durationMs, 0);
  const body = suites.map((s) => {
    const cases = s.run.thresholds ?? [];
    const failed = cases.filter((o) => o.failed).length;
    const testcases = cases.map((o) => {
      const open = `    <testcase name="${xml(o.text)}" classname="portchurn.${result.kind}.${xml(s.name)}" time="${seconds(s.run.totals.durationMs)}"`;
      if (!o.failed) return `${open}/>`;
      const text = outcomeText(o);
      return `${open}>\n      <failure message="${xml(text)}" type="threshold">${xml(text)}</failure>\n    </testcase>`;
    });
    return [
      `  <testsuite name="${xml(s.name)}" tests="${cases.length}" failures="${failed}" errors="0" skipped="0" time="${seconds(s.run.totals.durationMs)}" timestamp="${xml(s.run.startedAt)}">`,
      '    <properties>',
      properties(s.run),
      '    </properties>',
      ...testcases,
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="portchurn ${result.kind}" tests="${outcomes.length}" failures="${failures}" errors="0" time="${seconds(totalMs)}">`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
}

/**
 * The short Markdown summary a CI job page shows (GitHub's `$GITHUB_STEP_SUMMARY`): the stage
 * table and every threshold that held, or how many passed.
 */
export function renderStepSummary(result: GatedResult): string {
  const out: string[] = [];
  if (result.kind === 'lab') {
    out.push(
      `### portchurn lab: profiles ${result.profiles.map((p) => p.name).join(', ')}${result.interrupted ? ' (interrupted)' : ''}`,
      '',
    );
    for (const p of result.profiles) {
      const view = stagesOf(p.sweep);
      out.push(`**${p.name}**`, '', mdTable(stageHeader(view.axis), stageRows(view.stages, view.references).map(stageCells)), '');
    }
  } else {
    const view = stagesOf(result);
    out.push(`### ${view.title}${result.interrupted ? ' (interrupted)' : ''}`, '');
    if (result.kind === 'run') {
      const t = result.totals;
      const p99 = (result.latency.totalCorrectedUs ?? result.latency.totalUs).summary.p99Us;
      out.push(
        `${formatCount(t.ok)} ok, ${formatCount(t.errorCount)} errors, ${formatRate(t.okPerSec)} ok/s, p99 ${formatLatencyUs(p99)}.`,
        '',
      );
    }
    out.push(mdTable(stageHeader(view.axis), stageRows(view.stages, view.references).map(stageCells)), '');
  }
  const suites = suitesOf(result);
  const outcomes = suites.flatMap((s) => (s.run.thresholds ?? []).map((o) => ({ suite: s.name, o })));
  const held = outcomes.filter(({ o }) => o.failed);
  if (outcomes.length === 0) out.push('No `--fail-on` thresholds.');
  else if (held.length === 0) out.push(`All ${outcomes.length} \`--fail-on\` thresholds passed.`);
  else
    out.push(
      `**${held.length} of ${outcomes.length} \`--fail-on\` thresholds held:**`,
      '',
      ...held.map(({ suite, o }) => `- ${suite}: ${outcomeText(o)}`),
    );
  out.push('', '');
  return out.join('\n');
}
