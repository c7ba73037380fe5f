import { markPartialSeconds, type LoadSnapshot } from '../engine/load-snapshot.js';
import { limitedByOf } from '../model/limited-by-of.js';
import type { Plan } from '../plan/plan.js';
import type { ResultHeader } from '../result/header.js';
import type { RunResult } from '../result/result.js';
import { evaluateThresholds } from '../result/thresholds.js';

/** What a run measured and found, before the totals, the diagnosis and the thresholds are worked out. */
export interface RunParts extends Pick<
  RunResult,
  'engine' | 'engineReason' | 'environment' | 'target' | 'carryOver' | 'model' | 'sockets' | 'kernel' | 'cpu' | 'warnings'
> {
  readonly header: ResultHeader<'run'>;
  readonly plan: Plan;
  readonly load: LoadSnapshot;
  /** When the load began, wall clock (ISO). */
  readonly loadStartedAt: string;
  /** Wall time of the load, rounded to the millisecond. */
  readonly durationMs: number;
  /** What went wrong in the engine without losing the run (a crashed worker thread, records a native thread could not keep). */
  readonly failures: readonly string[];
}

function perSec(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000 * 100) / ms) / 100 : 0;
}

/** The run result: totals and rates from the counts, what limited the rate, and the thresholds' verdicts. */
export function runResultOf(parts: RunParts): RunResult {
  const { header, plan, load, durationMs, failures } = parts;
  const measured: Omit<RunResult, 'limitedBy'> = {
    ...header,
    engine: parts.engine,
    engineReason: parts.engineReason,
    plan,
    environment: parts.environment,
    target: parts.target,
    carryOver: parts.carryOver,
    totals: {
      durationMs,
      attempts: load.attempts,
      ok: load.ok,
      errorCount: Object.values(load.errors).reduce((a: number, n) => a + (n ?? 0), 0),
      errors: load.errors,
      statuses: load.statuses,
      attemptsPerSec: perSec(load.attempts, durationMs),
      okPerSec: perSec(load.ok, durationMs),
      unsent: load.unsent,
    },
    firstExhaustion: load.firstExhaustion,
    synRetransmits: parts.engine === 'native' ? [...(load.synRetransmits ?? [])] : null,
    model: parts.model,
    latency: {
      connectUs: load.histograms.connectUs,
      ttfbUs: load.histograms.ttfbUs,
      totalUs: load.histograms.totalUs,
      totalCorrectedUs: plan.load.kind === 'open' ? load.histograms.totalCorrectedUs : null,
      // Only the native engine times its own system calls; the JavaScript engine cannot see them.
      connectCallUs: parts.engine === 'native' && plan.callTimes !== false ? load.histograms.connectCallUs : null,
      bindCallUs: parts.engine === 'native' && plan.callTimes !== false && plan.portMode !== 'kernel' ? load.histograms.bindCallUs : null,
    },
    timeSeries: markPartialSeconds(load.seconds, durationMs),
    loadStartedAt: parts.loadStartedAt,
    sources: load.sources,
    sockets: parts.sockets,
    kernel: parts.kernel,
    cpu: parts.cpu,
    warnings: parts.warnings,
    ...(failures.length > 0 ? { failures: [...failures] } : {}),
  };
  const result: RunResult = { ...measured, limitedBy: limitedByOf(measured) };
  return plan.thresholds.length > 0 ? { ...result, thresholds: evaluateThresholds(plan.thresholds, result, null) } : result;
}
