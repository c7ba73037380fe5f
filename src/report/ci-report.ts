import type { AnyResult } from '../result/read-result.js';
import type { RunResult } from '../result/result.js';
import { runsOf, thresholdText, verdictHeadline, verdictLines, verdictOf, type Verdict, type VerdictProblem } from '../result/verdict.js';
import { formatCount, formatLatencyUs, formatRate } from './format.js';
import { mdTable } from './markup.js';
import { stageCells, stageHeader, stageRows } from './stage-rows.js';
import { stagesOf } from './stages-view.js';
import { natStageName } from '../result/nat-result.js';

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
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

/** A `<testcase>` that errored: an engine failure or a proxy's exit, in the suite of the run it happened in. */
function errorCase(p: VerdictProblem, classname: string, time: string): string {
  const name = p.kind === 'engine' ? 'the engine did all its work' : 'the proxy ran to the end';
  return `    <testcase name="${name}" classname="${classname}" time="${time}">\n      <error message="${xml(p.text)}" type="${p.kind}">${xml(p.text)}</error>\n    </testcase>`;
}

/** The suite that says whether the result is whole: a test case that errors when a signal cut it short. */
function completionSuite(result: AnyResult, v: Verdict): string {
  const w = v.walked;
  const text = `interrupted: ${w.ran} of ${w.planned ?? '?'} ${w.unit}s ran; the last may be partial`;
  const body = v.interrupted ? `>\n      <error message="${xml(text)}" type="interrupted">${xml(text)}</error>\n    </testcase>` : '/>';
  return [
    `  <testsuite name="verdict" tests="1" failures="0" errors="${v.interrupted ? 1 : 0}" skipped="0" time="0.000" timestamp="${xml(result.startedAt)}">`,
    '    <properties>',
    `      <property name="verdict" value="${xml(verdictHeadline(v))}"/>`,
    '    </properties>',
    `    <testcase name="the ${result.kind} ran to the end" classname="portchurn.${result.kind}"${body}`,
    '  </testsuite>',
  ].join('\n');
}

/**
 * JUnit XML of any result (`--junit FILE`), from its verdict: each run (a run, a sweep's stage or
 * reference, a lab profile's stage, a proxy variant) a `<testsuite>`; each `--fail-on` threshold a
 * `<testcase>` that fails (`<failure>`, with the measured value and the limit) when its condition
 * held; each engine failure and proxy exit a `<testcase>` with an `<error>`; and a `verdict` suite
 * whose one case errors when a signal cut the result short. As Jenkins, GitLab and the GitHub
 * JUnit actions read it (the junit-10 layout).
 */
export function renderJunit(result: AnyResult): string {
  const verdict = verdictOf(result);
  const runs = runsOf(result);
  let tests = 1;
  let failures = 0;
  let errors = verdict.interrupted ? 1 : 0;
  const totalMs = runs.reduce((sum, s) => sum + s.run.totals.durationMs, 0);
  const body = runs.map((s) => {
    const classname = `portchurn.${result.kind}.${xml(s.name)}`;
    const time = seconds(s.run.totals.durationMs);
    const cases = s.run.thresholds ?? [];
    const failed = cases.filter((o) => o.failed).length;
    const errored = verdict.problems.filter((p) => p.kind !== 'threshold' && p.where === s.name);
    tests += cases.length + errored.length;
    failures += failed;
    errors += errored.length;
    const testcases = cases.map((o) => {
      const open = `    <testcase name="${xml(o.text)}" classname="${classname}" time="${time}"`;
      if (!o.failed) return `${open}/>`;
      const text = thresholdText(o);
      return `${open}>\n      <failure message="${xml(text)}" type="threshold">${xml(text)}</failure>\n    </testcase>`;
    });
    return [
      `  <testsuite name="${xml(s.name)}" tests="${cases.length + errored.length}" failures="${failed}" errors="${errored.length}" skipped="0" time="${time}" timestamp="${xml(s.run.startedAt)}">`,
      '    <properties>',
      properties(s.run),
      '    </properties>',
      ...testcases,
      ...errored.map((p) => errorCase(p, classname, time)),
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="portchurn ${result.kind}" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(totalMs)}">`,
    completionSuite(result, verdict),
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
}

/** A proxy result's variants as a small table for the job summary. */
function variantTable(result: AnyResult): string {
  const rows = runsOf(result).map(({ name, run }) => [
    name,
    formatRate(run.totals.okPerSec),
    formatCount(run.totals.errorCount),
    formatLatencyUs((run.latency.totalCorrectedUs ?? run.latency.totalUs).summary.p99Us),
  ]);
  return mdTable(['variant', 'ok/s', 'errors', 'p99'], rows);
}

/**
 * The short Markdown summary a CI job page shows (GitHub's `$GITHUB_STEP_SUMMARY`): the verdict,
 * the stage (or variant) table and every problem, or how many thresholds passed.
 */
export function renderStepSummary(result: AnyResult): string {
  const verdict = verdictOf(result);
  const out: string[] = [];
  if (result.kind === 'lab') {
    out.push(`### portchurn lab: profiles ${result.profiles.map((p) => p.name).join(', ')}`, '', `**${verdictHeadline(verdict)}**`, '');
    for (const p of result.profiles) {
      const view = stagesOf(p.sweep);
      out.push(`**${p.name}**`, '', mdTable(stageHeader(view.axis), stageRows(view.stages, view.references).map(stageCells)), '');
    }
  } else if (result.kind === 'proxy') {
    out.push(`### portchurn proxy: ${result.kinds.join(', ')}`, '', `**${verdictHeadline(verdict)}**`, '', variantTable(result), '');
  } else if (result.kind === 'nat') {
    out.push(
      '### portchurn nat',
      '',
      `**${verdictHeadline(verdict)}**`,
      '',
      ...result.stages.map((s) => `- stage ${natStageName(result, s)}: ${s.reading}`),
      '',
    );
  } else {
    const view = stagesOf(result);
    out.push(`### ${view.title}`, '', `**${verdictHeadline(verdict)}**`, '');
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
  const { checked } = verdict.thresholds;
  if (verdict.problems.length > 0) out.push(...verdictLines(verdict).map((l) => `- ${l}`));
  else if (checked === 0) out.push('No `--fail-on` thresholds.');
  else out.push(`All ${checked} \`--fail-on\` thresholds passed.`);
  out.push('', '');
  return out.join('\n');
}
