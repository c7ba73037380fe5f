import { parseThreshold } from '../plan/thresholds.js';
import type { AnyResult } from './read-result.js';
import type { RunResult } from './result.js';
import { describeOutcome } from './thresholds.js';
import type { ThresholdOutcome } from './threshold-outcome.js';
import { natStageName } from './nat-result.js';

/**
 * How a result came out, decided once from the result alone, so every command, report and JUnit
 * file says the same thing (k6 and vegeta end every run through one such place):
 * - `interrupted`: a signal stopped it; what ran is in the result.
 * - `failed`: a `--fail-on` threshold held, or something went wrong without losing the run
 *   (an engine failure: a crashed worker, records a native thread could not keep, a failed loop;
 *   a proxy that exited during its variant).
 * - `passed`: none of these. Errors the load counted (EADDRNOTAVAIL, 502, ...) are measurements,
 *   not failures; `--fail-on` turns them into one.
 */
export type VerdictStatus = 'passed' | 'failed' | 'interrupted';

/** One thing that makes a result fail, with where it happened. */
export interface VerdictProblem {
  /** `threshold`: a `--fail-on` condition held; `engine`: the load lost part of its work; `proxy`: the proxy under test exited early. */
  readonly kind: 'threshold' | 'engine' | 'proxy';
  /** The run it happened in: `run`, `stage 2 (sources 4)`, `profile narrow stage 1 (...)`, `variant nginx plain`. */
  readonly where: string;
  readonly text: string;
}

/** One run inside a result: a run itself, a sweep's stage or reference, a lab profile's stage, a proxy variant's client. */
export interface NamedRun {
  readonly name: string;
  readonly run: RunResult;
}

export interface Verdict {
  readonly status: VerdictStatus;
  readonly interrupted: boolean;
  /** Every threshold held and every failure, in the order of the runs. */
  readonly problems: readonly VerdictProblem[];
  /** `--fail-on` outcomes checked across every run, and how many held. */
  readonly thresholds: { readonly checked: number; readonly held: number };
  /** Stages (references aside), variants or the run that ran, and how many were asked for where the result knows. */
  readonly walked: { readonly ran: number; readonly planned: number | null; readonly unit: 'run' | 'stage' | 'variant' };
}

/** Every run of a result, named as reports and JUnit name them. */
export function runsOf(result: AnyResult): NamedRun[] {
  switch (result.kind) {
    case 'run':
      return [{ name: result.hosts ? 'merged run' : 'run', run: result }];
    case 'sweep':
      return [
        ...result.stages.map((s) => ({ name: `stage ${s.index + 1} (${result.axis} ${s.axisValue})`, run: s.run })),
        ...(result.references ?? []).map((s) => ({ name: `reference ${s.axisValue}`, run: s.run })),
      ];
    case 'lab':
      return result.profiles.flatMap((p) => runsOf(p.sweep).map((r) => ({ name: `profile ${p.name} ${r.name}`, run: r.run })));
    case 'proxy':
      return result.variants.map((v) => ({ name: `variant ${v.kind} ${v.variant}`, run: v.client }));
    case 'nat':
      return result.stages.map((s) => ({ name: `stage ${natStageName(result, s)}`, run: s.client }));
  }
}

/** The text of a threshold outcome that held: what was measured against what limit. */
export function thresholdText(o: ThresholdOutcome): string {
  return describeOutcome({ ...o, stage: null }, parseThreshold(o.text).metric);
}

function walkedOf(result: AnyResult, ran: number): Verdict['walked'] {
  switch (result.kind) {
    case 'run':
      return { ran, planned: 1, unit: 'run' };
    case 'sweep':
      return { ran: result.stages.length, planned: result.values.length, unit: 'stage' };
    case 'lab':
      return {
        ran: result.profiles.reduce((n, p) => n + p.sweep.stages.length, 0),
        planned: result.profiles.reduce((n, p) => n + p.sweep.values.length, 0),
        unit: 'stage',
      };
    case 'proxy':
      return { ran: result.variants.length, planned: null, unit: 'variant' };
    case 'nat':
      return { ran: result.stages.length, planned: null, unit: 'stage' };
  }
}

function proxyProblems(result: AnyResult): VerdictProblem[] {
  if (result.kind !== 'proxy') return [];
  return result.variants
    .filter((v) => v.proxyExit !== null)
    .map((v) => {
      const e = v.proxyExit!;
      const how = e.signal ? `was killed by ${e.signal}` : `exited with status ${e.code}`;
      return {
        kind: 'proxy' as const,
        where: `variant ${v.kind} ${v.variant}`,
        text: `${v.kind} ${how} ${(e.atMs / 1000).toFixed(1)} s into the variant; what it served before is counted`,
      };
    });
}

/** The verdict of any result. */
export function verdictOf(result: AnyResult): Verdict {
  const runs = runsOf(result);
  const problems: VerdictProblem[] = [];
  let checked = 0;
  for (const { name, run } of runs) {
    for (const failure of run.failures ?? []) problems.push({ kind: 'engine', where: name, text: failure });
    for (const o of run.thresholds ?? []) {
      checked += 1;
      if (o.failed) problems.push({ kind: 'threshold', where: name, text: thresholdText(o) });
    }
  }
  problems.push(...proxyProblems(result));
  const held = problems.filter((p) => p.kind === 'threshold').length;
  const interrupted = result.interrupted;
  return {
    status: interrupted ? 'interrupted' : problems.length > 0 ? 'failed' : 'passed',
    interrupted,
    problems,
    thresholds: { checked, held },
    walked: walkedOf(result, runs.length),
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The verdict in one line: `FAILED: 1 engine failure, 2 of 6 thresholds held; 5 of 5 stages ran`. */
export function verdictHeadline(v: Verdict): string {
  const engine = v.problems.filter((p) => p.kind === 'engine').length;
  const proxy = v.problems.filter((p) => p.kind === 'proxy').length;
  const parts = [
    ...(engine > 0 ? [plural(engine, 'engine failure')] : []),
    ...(proxy > 0 ? [plural(proxy, 'proxy exit')] : []),
    v.thresholds.checked === 0 ? 'no thresholds' : `${v.thresholds.held} of ${plural(v.thresholds.checked, 'threshold')} held`,
  ];
  const w = v.walked;
  const walked = w.planned !== null ? `${w.ran} of ${plural(w.planned, w.unit)} ran` : `${plural(w.ran, w.unit)} ran`;
  return `${v.status.toUpperCase()}: ${parts.join(', ')}; ${walked}`;
}

/** One line per problem: `engine failure in stage 2 (sources 4): native thread 1: ...`. */
export function verdictLines(v: Verdict): string[] {
  const label = { threshold: 'threshold held', engine: 'engine failure', proxy: 'proxy exited' } as const;
  return v.problems.map((p) => `${label[p.kind]} in ${p.where}: ${p.text}`);
}
