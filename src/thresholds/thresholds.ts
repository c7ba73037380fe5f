import { PlanError } from '../errors.js';
import type { RunResult } from '../result/result.js';

/** What a threshold can look at. */
export type ThresholdMetric = 'error-rate' | 'ok-rate' | 'attempt-rate' | 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'errors' | 'ok';

/** A parsed `--fail-on` expression: the run fails when `metric op value` is true. */
export interface Threshold {
  readonly text: string;
  readonly metric: ThresholdMetric;
  readonly op: '<' | '<=' | '>' | '>=';
  /** In the metric's unit: a fraction for error-rate, µs for latencies, per second for rates, a count otherwise. */
  readonly value: number;
  /** `ok-rate<0.9*predicted`: the value is a factor of the model's ceiling. */
  readonly relativeToModel: boolean;
}

/** How a threshold came out on one run or stage. */
export interface ThresholdOutcome {
  readonly text: string;
  /** Stage number (1-based) in a sweep; null for a single run. */
  readonly stage: number | null;
  readonly measured: number | null;
  readonly limit: number | null;
  /** True when the condition to fail on holds. */
  readonly failed: boolean;
  readonly note: string | null;
}

const LATENCY = new Set(['p50', 'p90', 'p99', 'p999', 'max']);
const UNITS_US: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1_000_000 };

/**
 * Parses `--fail-on` expressions: `error-rate>1%`, `p99>50ms`, `ok-rate<0.9*predicted`,
 * `ok-rate<5000`, `errors>0`. Throws PlanError (exit 2) for anything else.
 */
export function parseThreshold(text: string): Threshold {
  const m = /^\s*([a-z0-9-]+)\s*(<=|>=|<|>)\s*(.+?)\s*$/i.exec(text);
  const fail = (why: string): never => {
    throw new PlanError('--fail-on', `--fail-on '${text}': ${why}`);
  };
  if (!m) return fail("must be METRIC<VALUE or METRIC>VALUE, e.g. 'p99>50ms', 'error-rate>1%', 'ok-rate<0.9*predicted'");
  const metric = m[1]!.toLowerCase() as ThresholdMetric;
  const op = m[2] as Threshold['op'];
  const raw = m[3]!;
  if (!['error-rate', 'ok-rate', 'attempt-rate', 'p50', 'p90', 'p99', 'p999', 'max', 'errors', 'ok'].includes(metric)) {
    return fail('unknown metric: use error-rate, ok-rate, attempt-rate, p50, p90, p99, p999, max, errors or ok');
  }
  const relative = /^(\d+(?:\.\d+)?)\s*\*\s*predicted$/i.exec(raw);
  if (relative) {
    if (metric !== 'ok-rate') return fail('only ok-rate can be compared with the prediction');
    return { text, metric, op, value: Number(relative[1]), relativeToModel: true };
  }
  if (metric === 'error-rate') {
    const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(raw);
    const frac = /^(0?\.\d+|0|1)$/.exec(raw);
    if (!pct && !frac) return fail('error-rate takes a percentage (1%) or a fraction (0.01)');
    return { text, metric, op, value: pct ? Number(pct[1]) / 100 : Number(raw), relativeToModel: false };
  }
  if (LATENCY.has(metric)) {
    const lat = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s)$/.exec(raw);
    if (!lat) return fail(`${metric} takes a duration with a unit (50ms, 800us, 1.5s)`);
    return { text, metric, op, value: Number(lat[1]) * UNITS_US[lat[2]!]!, relativeToModel: false };
  }
  if (!/^\d+(?:\.\d+)?$/.test(raw)) return fail(`${metric} takes a number`);
  return { text, metric, op, value: Number(raw), relativeToModel: false };
}

function holds(measured: number, op: Threshold['op'], limit: number): boolean {
  switch (op) {
    case '<':
      return measured < limit;
    case '<=':
      return measured <= limit;
    case '>':
      return measured > limit;
    case '>=':
      return measured >= limit;
  }
}

/** Evaluates thresholds against one run (or stage). Latencies use the corrected histogram in an open loop. */
export function evaluateThresholds(thresholds: readonly Threshold[], run: RunResult, stage: number | null): ThresholdOutcome[] {
  const t = run.totals;
  const total = (run.latency.totalCorrectedUs ?? run.latency.totalUs).summary;
  return thresholds.map((th) => {
    let measured: number | null;
    let limit: number | null = th.value;
    let note: string | null = null;
    switch (th.metric) {
      case 'error-rate':
        measured = t.attempts > 0 ? t.errorCount / t.attempts : 0;
        break;
      case 'ok-rate':
        measured = t.okPerSec;
        if (th.relativeToModel) {
          limit = run.model.ceilingPerSec === null ? null : th.value * run.model.ceilingPerSec;
          if (limit === null) note = 'not port-bound: no prediction to compare with';
        }
        break;
      case 'attempt-rate':
        measured = t.attemptsPerSec;
        break;
      case 'errors':
        measured = t.errorCount;
        break;
      case 'ok':
        measured = t.ok;
        break;
      case 'p50':
        measured = total.p50Us;
        break;
      case 'p90':
        measured = total.p90Us;
        break;
      case 'p99':
        measured = total.p99Us;
        break;
      case 'p999':
        measured = total.p999Us;
        break;
      case 'max':
        measured = total.maxUs;
        break;
    }
    if (LATENCY.has(th.metric) && total.count === 0) {
      measured = null;
      note = 'no successful request to measure';
    }
    const failed = measured !== null && limit !== null && holds(measured, th.op, limit);
    return { text: th.text, stage, measured, limit, failed, note };
  });
}

/** One line naming a failed threshold and its measured value, for the CLI. */
export function describeOutcome(o: ThresholdOutcome, metric: ThresholdMetric): string {
  const fmt = (v: number | null): string => {
    if (v === null) return '–';
    if (metric === 'error-rate') return `${(v * 100).toFixed(2)}%`;
    if (LATENCY.has(metric)) return v >= 1000 ? `${(v / 1000).toFixed(2)}ms` : `${Math.round(v)}us`;
    return Number.isInteger(v) ? String(v) : v.toFixed(1);
  };
  return `${o.stage === null ? '' : `stage ${o.stage}: `}${o.text} (measured ${fmt(o.measured)}${o.limit !== null ? `, limit ${fmt(o.limit)}` : ''})`;
}
