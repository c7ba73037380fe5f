import { PlanError } from '../errors.js';
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

/** The metrics measured in microseconds. */
export const LATENCY_METRICS: ReadonlySet<ThresholdMetric> = new Set(['p50', 'p90', 'p99', 'p999', 'max']);
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
  if (LATENCY_METRICS.has(metric)) {
    const lat = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s)$/.exec(raw);
    if (!lat) return fail(`${metric} takes a duration with a unit (50ms, 800us, 1.5s)`);
    return { text, metric, op, value: Number(lat[1]) * UNITS_US[lat[2]!]!, relativeToModel: false };
  }
  if (!/^\d+(?:\.\d+)?$/.test(raw)) return fail(`${metric} takes a number`);
  return { text, metric, op, value: Number(raw), relativeToModel: false };
}
