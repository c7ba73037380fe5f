import { LATENCY_METRICS, type Threshold, type ThresholdMetric } from '../plan/thresholds.js';
import type { RunResult } from './result.js';
import type { ThresholdOutcome } from './threshold-outcome.js';

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
    if (LATENCY_METRICS.has(th.metric) && total.count === 0) {
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
    if (LATENCY_METRICS.has(metric)) return v >= 1000 ? `${(v / 1000).toFixed(2)}ms` : `${Math.round(v)}us`;
    return Number.isInteger(v) ? String(v) : v.toFixed(1);
  };
  return `${o.stage === null ? '' : `stage ${o.stage}: `}${o.text} (measured ${fmt(o.measured)}${o.limit !== null ? `, limit ${fmt(o.limit)}` : ''})`;
}
