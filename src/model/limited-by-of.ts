import { diagnose } from './limited-by.js';
import type { RunResult } from '../result/result.js';
import type { LimitedBy } from '../result/limited-by.js';

/** What held a run's rate, read off its result (a run, a stage, or a merge of hosts' runs). */
export function limitedByOf(r: Omit<RunResult, 'limitedBy'>): LimitedBy {
  const buckets = r.environment.sysctls['net.ipv4.tcp_max_tw_buckets'];
  return diagnose({
    portMode: r.plan.portMode,
    load: r.plan.load,
    attempts: r.totals.attempts,
    ok: r.totals.ok,
    okPerSec: r.totals.okPerSec,
    errors: r.totals.errors,
    statuses: r.totals.statuses,
    timeSeries: r.timeSeries,
    timeWaitSamples: r.sockets?.samples.map((x) => x.client.TIME_WAIT ?? 0) ?? [],
    kernel: r.kernel ?? null,
    cpu: r.cpu ?? null,
    meanLatencyUs: r.latency.totalUs.summary.meanUs,
    maxTwBuckets: buckets ? Number(buckets) || null : null,
  });
}
