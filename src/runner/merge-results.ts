import { evaluateThresholds } from '../result/thresholds.js';
import { markPartialSeconds, mergeSnapshots, type LoadSnapshot } from '../engine/load-snapshot.js';
import { createLatencyHistogram, encodeHistogram } from '../result/histogram.js';
import { limitedByOf } from '../model/limited-by-of.js';
import { modelForRun } from '../model/model-for-run.js';
import { ResultInputError } from '../errors.js';
import type { RunResult } from '../result/result.js';
import type { AddressCounts, TargetStats } from '../result/target-stats.js';

const EMPTY = encodeHistogram(createLatencyHistogram());

function snapshotOfResult(r: RunResult): LoadSnapshot {
  return {
    startMs: 0,
    endMs: r.totals.durationMs,
    interrupted: r.interrupted,
    unsent: r.totals.unsent,
    attempts: r.totals.attempts,
    ok: r.totals.ok,
    errors: r.totals.errors,
    statuses: r.totals.statuses ?? {},
    seconds: r.timeSeries,
    sources: r.sources,
    firstExhaustion: r.firstExhaustion,
    histograms: {
      connectUs: r.latency.connectUs,
      ttfbUs: r.latency.ttfbUs,
      totalUs: r.latency.totalUs,
      totalCorrectedUs: r.latency.totalCorrectedUs ?? EMPTY,
      connectCallUs: r.latency.connectCallUs ?? EMPTY,
      bindCallUs: r.latency.bindCallUs ?? EMPTY,
    },
  };
}

/** What must match for results to be one plan run on several hosts (sources and workers may differ). */
function planKey(r: RunResult): string {
  const p = r.plan;
  return JSON.stringify({
    target: p.target.kind === 'external' ? p.target.endpoint.url : 'builtin',
    portMode: p.portMode,
    close: p.close,
    load: p.load.kind,
    duration: p.durationMs,
    http: p.http,
    tcp: p.tcp,
  });
}

function sumStats(list: readonly (TargetStats | null)[]): TargetStats | null {
  const present = list.filter((s): s is TargetStats => s !== null);
  if (present.length === 0) return null;
  const add = (maps: Record<string, AddressCounts>[]): Record<string, AddressCounts> => {
    const out: Record<string, AddressCounts> = {};
    for (const m of maps)
      for (const [k, v] of Object.entries(m))
        out[k] = { connections: (out[k]?.connections ?? 0) + v.connections, requests: (out[k]?.requests ?? 0) + v.requests };
    return out;
  };
  return {
    connections: present.reduce((a, s) => a + s.connections, 0),
    requests: present.reduce((a, s) => a + s.requests, 0),
    byRemoteAddress: add(present.map((s) => s.byRemoteAddress)),
    byLocalAddress: add(present.map((s) => s.byLocalAddress)),
  };
}

/**
 * Merges run results of one plan made on several generator hosts into one result: counts summed,
 * per-second series added by second index (the hosts are taken to have started together),
 * per-source rows kept (each host had its own source block), histograms added exactly, one row per
 * host in `hosts`. The first file's plan and environment stand for the whole.
 */
export function mergeRunResults(files: readonly { path: string; result: RunResult }[]): RunResult {
  const [first] = files;
  if (!first) throw new ResultInputError('', 'merge needs at least one result');
  for (const f of files) {
    if (f.result.kind !== 'run') throw new ResultInputError(f.path, `${f.path} is a ${f.result.kind} result; merge combines run results`);
    if (planKey(f.result) !== planKey(first.result))
      throw new ResultInputError(
        f.path,
        `${f.path} ran another plan than ${first.path} (target, port mode, close, load model, duration or request must match)`,
      );
  }
  const m = mergeSnapshots(files.map((f) => snapshotOfResult(f.result)));
  const durationMs = Math.max(...files.map((f) => f.result.totals.durationMs));
  const errorCount = Object.values(m.errors).reduce((a: number, n) => a + (n ?? 0), 0);
  const perSec = (n: number): number => (durationMs > 0 ? Math.round((n * 100000) / durationMs) / 100 : 0);
  const plan = { ...first.result.plan, sources: m.sources.map((s) => s.address).filter((a) => a !== 'kernel') };
  // The first host's judgements are not the merge's: its failures and thresholds are replaced below.
  const { limitedBy: _first, failures: _failures, thresholds: _thresholds, ...firstMeasured } = first.result;
  const failures = files.flatMap((f) => (f.result.failures ?? []).map((text) => `${f.path}: ${text}`));
  const merged: Omit<RunResult, 'limitedBy'> = {
    ...firstMeasured,
    plan,
    model: modelForRun(plan, first.result.environment, first.result.target.endpoints, durationMs),
    startedAt: files.map((f) => f.result.startedAt).sort()[0]!,
    endedAt: files
      .map((f) => f.result.endedAt)
      .sort()
      .at(-1)!,
    loadStartedAt: files
      .map((f) => f.result.loadStartedAt)
      .filter((t): t is string => t !== undefined)
      .sort()[0],
    interrupted: m.interrupted,
    target: { ...first.result.target, stats: sumStats(files.map((f) => f.result.target.stats)) },
    carryOver: {
      addresses: files.flatMap((f) => f.result.carryOver.addresses),
      timeWait: files.reduce((a, f) => a + f.result.carryOver.timeWait, 0),
    },
    totals: {
      durationMs,
      attempts: m.attempts,
      ok: m.ok,
      errorCount,
      errors: m.errors,
      statuses: m.statuses,
      attemptsPerSec: perSec(m.attempts),
      okPerSec: perSec(m.ok),
      unsent: m.unsent,
    },
    firstExhaustion: m.firstExhaustion,
    latency: {
      connectUs: m.histograms.connectUs,
      ttfbUs: m.histograms.ttfbUs,
      totalUs: m.histograms.totalUs,
      totalCorrectedUs: first.result.latency.totalCorrectedUs ? m.histograms.totalCorrectedUs : null,
      // Kept where every host's engine timed its system calls.
      connectCallUs: files.every((f) => f.result.latency.connectCallUs) ? m.histograms.connectCallUs : null,
      bindCallUs: files.every((f) => f.result.latency.bindCallUs) ? m.histograms.bindCallUs : null,
    },
    timeSeries: markPartialSeconds(m.seconds, durationMs),
    sources: m.sources,
    sockets: null,
    kernel: null,
    cpu: null,
    warnings: [...new Set(files.flatMap((f) => f.result.warnings))],
    hosts: files.map((f) => ({
      file: f.path,
      hostname: f.result.environment.hostname ?? 'unknown',
      startedAt: f.result.startedAt,
      attempts: f.result.totals.attempts,
      ok: f.result.totals.ok,
      errorCount: f.result.totals.errorCount,
      okPerSec: f.result.totals.okPerSec,
      sources: f.result.sources.length,
    })),
    // Every host's engine failures go with the merge (an engine that lost work on one host lost it from the whole).
    ...(failures.length > 0 ? { failures } : {}),
  };
  // The plan's --fail-on thresholds judged on the merged figures, as one run of them would be.
  const judged =
    plan.thresholds.length > 0 ? { ...merged, thresholds: evaluateThresholds(plan.thresholds, merged as RunResult, null) } : merged;
  // Each host's kernel counters and CPU stay in its own result: the merge judges by counts alone.
  return { ...judged, limitedBy: limitedByOf(judged) };
}
