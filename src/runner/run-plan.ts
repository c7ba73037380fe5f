import { resultHeader } from '../result/header.js';
import { runLoad } from '../engine/engine.js';
import { markPartialSeconds, snapshotOf, type LoadSnapshot } from '../engine/load-snapshot.js';
import { runWorkers, WorkerCrashError } from './run-workers.js';
import { authorityOf } from '../engine/http-request.js';
import type { Transport } from '../engine/transport.js';
import { countCarryOver } from '../env/carry-over.js';
import { readEnvironment, readListeningPorts } from '../env/environment.js';
import { createSourcePicker } from '../engine/source-picker.js';
import type { Plan } from '../plan/plan.js';
import { rangesOverlap, ephemeralRangeOf } from '../plan/ports.js';
import { checkSocketPortRange, checkSourcesBindable, resolveTargetHost } from './preflight.js';
import type { RunResult } from '../result/result.js';
import { modelForRun } from '../model/model-for-run.js';
import { transportForPlan, type ResolvedTarget } from './transport-for-plan.js';
import { startSampler, type Sampler } from '../sampler/sampler.js';
import { startBuiltinTarget, type BuiltinTarget } from '../target/builtin-target.js';
import { chooseEngine } from './choose-engine.js';
import { runNativeForPlan } from './native-for-plan.js';
import { cpuSince, processCpuTime } from '../env/cpu-time.js';
import { counterDelta, readKernelCounters } from '../env/kernel-counters.js';
import { limitedByOf } from '../model/limited-by-of.js';
import { evaluateThresholds } from '../result/thresholds.js';
import type { SocketReport } from '../result/sockets.js';
import type { TargetClosePolicy } from '../result/target-stats.js';
import type { StageCpu } from '../result/limited-by.js';
import type { Progress } from '../result/progress.js';

/** Ways to follow and stop a run; the library itself never prints. */
export interface RunHooks {
  /** Aborting stops sending; what was measured is returned with `interrupted: true`. */
  readonly signal?: AbortSignal;
  /** Called once a second during the load. */
  readonly onProgress?: (progress: Progress) => void;
}

function perSec(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000 * 100) / ms) / 100 : 0;
}

/**
 * A warning when the planned connections need more file descriptors than the open-file limit
 * allows: one per connection, another with the built-in target in this process, and some spare.
 * EMFILE is counted, never fatal, but the user should know before reading the errors.
 */
export function fileDescriptorWarning(plan: Plan, limit: number | null): string | null {
  if (limit === null) return null;
  const concurrent = plan.load.kind === 'closed' ? plan.load.connections : plan.load.maxInFlight;
  const needed = concurrent * (plan.target.kind === 'builtin' ? 2 : 1) + 64;
  if (needed <= limit) return null;
  return `${concurrent} connections in flight need about ${needed} file descriptors but the open-file limit is ${limit}: expect EMFILE; raise it with 'ulimit -n ${Math.max(needed, 65536)}' in this shell`;
}

/** The load on this thread; `onTransport` lets the caller close the transport whatever happens. */
async function runInThisThread(
  plan: Plan,
  resolved: ResolvedTarget,
  skipPorts: ReadonlySet<number>,
  hooks: RunHooks,
  onTransport: (t: Transport) => void,
): Promise<LoadSnapshot> {
  const now = (): number => performance.now();
  const transport = transportForPlan(plan, resolved, now);
  onTransport(transport);
  const load = await runLoad({
    transport,
    picker: createSourcePicker(plan.sources, plan.explicitPorts, skipPorts),
    sourceLabels: plan.sources.length === 0 ? ['kernel'] : plan.sources,
    load: plan.load,
    durationMs: plan.durationMs,
    requests: plan.requests,
    now,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
  });
  return snapshotOf(load.recorder, load);
}

/**
 * Runs a validated plan: pre-flight checks (no traffic until they pass), the built-in target
 * when the plan has no external one, the socket sampler, the load, then the result with the
 * capacity model beside the measurement. The target, the sampler and every pooled connection
 * are closed whatever happens.
 */
export async function runPlan(plan: Plan, hooks: RunHooks = {}): Promise<RunResult> {
  const environment = await readEnvironment();
  const warnings: string[] = [];
  if (plan.sources.length > 0) await checkSourcesBindable(plan.sources);
  const ephemeral = ephemeralRangeOf(environment.sysctls['net.ipv4.ip_local_port_range']);
  if (plan.socketPortRange) checkSocketPortRange(plan.socketPortRange, ephemeral, environment.kernelRelease);
  const skipPorts = plan.portMode === 'explicit' ? await readListeningPorts() : new Set<number>();
  if (plan.explicitPorts) {
    if (rangesOverlap(plan.explicitPorts, ephemeral)) {
      warnings.push(
        `explicit ports ${plan.explicitPorts.low}-${plan.explicitPorts.high} overlap ip_local_port_range ${ephemeral.low}-${ephemeral.high}: other programs on this host may fail to connect during the run`,
      );
    }
  }
  const endpoint = plan.target.kind === 'external' ? plan.target.endpoint : null;
  const connectHost = endpoint ? await resolveTargetHost(endpoint.host, endpoint.family, plan.allowRemote) : null;

  const engine = chooseEngine(plan, endpoint?.protocol ?? 'http');
  if (engine.note) warnings.push(engine.note);
  const closePolicy: TargetClosePolicy = plan.close === 'server' ? 'server' : 'client';
  let target: BuiltinTarget | null = null;
  // Filled by the load on this thread, so that it is closed whatever happens.
  const opened: { transport: Transport | null } = { transport: null };
  let sampler: Sampler | null = null;
  const startedAt = new Date().toISOString();
  try {
    if (plan.target.kind === 'builtin') {
      target = await startBuiltinTarget({
        listen: plan.target.listen,
        close: closePolicy,
        delayMs: plan.target.delayMs,
        bodyBytes: plan.target.bodyBytes,
      });
    }
    const destinations = target ? target.addresses : [{ host: connectHost!, port: endpoint!.port }];
    const resolved: ResolvedTarget = {
      protocol: endpoint?.protocol ?? 'http',
      destinations,
      path: endpoint?.path ?? '/',
      displayHost: endpoint?.host ?? destinations[0]!.host,
      named: endpoint !== null && endpoint.family === null,
    };
    const url = endpoint?.url ?? `http://${authorityOf(resolved.displayHost, destinations[0]!.port)}/`;
    const carryOver = await countCarryOver(
      plan.portMode === 'kernel' ? { destinations: destinations.map((d) => authorityOf(d.host, d.port)) } : { sources: plan.sources },
    );
    if (carryOver.timeWait > 0) {
      const where = plan.portMode === 'kernel' ? 'towards the target' : `on the source address${plan.sources.length === 1 ? '' : 'es'}`;
      warnings.push(
        `${carryOver.timeWait.toLocaleString('en-US')} TIME_WAIT sockets from earlier runs were already ${where}: fewer ports are free${plan.portMode === 'kernel' ? '' : ' and bind() is slower'}; wait 60 s or use fresh --sources`,
      );
    }

    if (plan.sampleIntervalMs > 0) sampler = await startSampler({ sources: plan.sources, destinations }, plan.sampleIntervalMs);
    const failures: string[] = [];
    // The kernel's own account and the CPU each side spent, from here to the end of the stage.
    const countersBefore = await readKernelCounters();
    const targetCpuBefore = target ? ((await target.stats()).cpu ?? null) : null;
    const processCpuBefore = processCpuTime();
    let load: LoadSnapshot;
    try {
      load =
        engine.engine === 'native'
          ? await runNativeForPlan(engine.addon, plan, resolved, skipPorts, hooks)
          : plan.workers > 1
            ? await runWorkers(plan, resolved, skipPorts, hooks)
            : await runInThisThread(plan, resolved, skipPorts, hooks, (t) => (opened.transport = t));
    } catch (error) {
      // A crashed worker thread: keep what the others measured, say which failed.
      if (!(error instanceof WorkerCrashError) || error.partial === null) throw error;
      failures.push(error.message);
      load = error.partial;
    }
    const durationMs = Math.round(load.endMs - load.startMs);
    const model = modelForRun(plan, environment, destinations, durationMs);
    const processCpu = cpuSince(processCpuBefore, processCpuTime());
    const stats = target ? await target.close() : null;
    // The last sample after the target closed: it shows the TIME_WAIT the stage left on each side.
    const sockets: SocketReport | null = sampler ? await sampler.stop(model.usablePorts) : null;
    sampler = null;
    const countersAfter = await readKernelCounters();
    const kernel = countersBefore && countersAfter ? counterDelta(countersBefore, countersAfter, plan.netns ? 'namespace' : 'host') : null;
    const targetCpu = targetCpuBefore && stats?.cpu ? cpuSince(targetCpuBefore, stats.cpu) : null;
    const cpu: StageCpu = {
      wallMs: durationMs,
      // The target thread lives in this process: what it spent is not the generator's.
      generator: targetCpu ? cpuSince(targetCpu, processCpu) : processCpu,
      target: targetCpu,
      generatorThreads: plan.workers,
    };
    const r = load;
    const fds = fileDescriptorWarning(plan, environment.openFileLimit);
    if (fds) warnings.push(fds);
    if (load.unsent > 0) warnings.push(`${load.unsent} scheduled requests were never sent: --max-in-flight was reached when the run ended`);
    const measured: Omit<RunResult, 'limitedBy'> = {
      ...resultHeader('run', startedAt, load.interrupted),
      engine: engine.engine,
      plan,
      environment,
      target: { kind: plan.target.kind, endpoints: destinations, url, closePolicy: target ? closePolicy : null, stats },
      carryOver,
      totals: {
        durationMs,
        attempts: r.attempts,
        ok: r.ok,
        errorCount: Object.values(r.errors).reduce((a: number, n) => a + (n ?? 0), 0),
        errors: r.errors,
        statuses: r.statuses,
        attemptsPerSec: perSec(r.attempts, durationMs),
        okPerSec: perSec(r.ok, durationMs),
        unsent: load.unsent,
      },
      firstExhaustion: r.firstExhaustion,
      model,
      latency: {
        connectUs: r.histograms.connectUs,
        ttfbUs: r.histograms.ttfbUs,
        totalUs: r.histograms.totalUs,
        totalCorrectedUs: plan.load.kind === 'open' ? r.histograms.totalCorrectedUs : null,
      },
      timeSeries: markPartialSeconds(r.seconds, durationMs),
      sources: r.sources,
      sockets,
      kernel,
      cpu,
      warnings,
      ...(failures.length > 0 ? { failures } : {}),
    };
    const result: RunResult = { ...measured, limitedBy: limitedByOf(measured) };
    return plan.thresholds.length > 0 ? { ...result, thresholds: evaluateThresholds(plan.thresholds, result, null) } : result;
  } finally {
    await sampler?.stop(null);
    await opened.transport?.close();
    await target?.close();
  }
}
