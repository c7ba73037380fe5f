import { resultHeader } from '../result/header.js';
import { runLoad } from '../engine/engine.js';
import { snapshotOf, type LoadSnapshot } from '../engine/load-snapshot.js';
import { runWorkers, WorkerCrashError } from './run-workers.js';
import { authorityOf } from '../engine/http-request.js';
import type { Transport } from '../engine/transport.js';
import { countCarryOver } from '../env/carry-over.js';
import { createSourcePicker } from '../engine/source-picker.js';
import type { Plan } from '../plan/plan.js';
import type { RunResult } from '../result/result.js';
import type { CarryOver } from '../result/environment.js';
import { modelForRun } from '../model/model-for-run.js';
import { transportForPlan, type ResolvedTarget } from './transport-for-plan.js';
import { startSampler, type Sampler } from '../sampler/sampler.js';
import { startBuiltinTarget, type BuiltinTarget } from '../target/builtin-target.js';
import { runNativeForPlan } from './native-for-plan.js';
import type { SocketReport } from '../result/sockets.js';
import type { TargetClosePolicy } from '../result/target-stats.js';
import type { Progress } from '../result/progress.js';
import { checkBeforeTraffic, fileDescriptorWarning, type RunSetup } from './run-checks.js';
import { StageMeter } from './stage-meter.js';
import { runResultOf } from './run-result-of.js';

/** Ways to follow and stop a run; the library itself never prints. */
export interface RunHooks {
  /** Aborting stops sending; what was measured is returned with `interrupted: true`. */
  readonly signal?: AbortSignal;
  /** Called once a second during the load. */
  readonly onProgress?: (progress: Progress) => void;
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

/** Where the load goes: the built-in target's addresses or the external target's resolved one. */
function resolveTarget(setup: RunSetup, target: BuiltinTarget | null): { resolved: ResolvedTarget; url: string } {
  const { endpoint, connectHost } = setup;
  const destinations = target ? target.addresses : [{ host: connectHost!, port: endpoint!.port }];
  const resolved: ResolvedTarget = {
    protocol: endpoint?.protocol ?? 'http',
    destinations,
    path: endpoint?.path ?? '/',
    displayHost: endpoint?.host ?? destinations[0]!.host,
    named: endpoint !== null && endpoint.family === null,
  };
  return { resolved, url: endpoint?.url ?? `http://${authorityOf(resolved.displayHost, destinations[0]!.port)}/` };
}

/** TIME_WAIT that earlier runs left where this one will need ports, with a warning when there is any. */
async function carryOverOf(plan: Plan, resolved: ResolvedTarget): Promise<{ carryOver: CarryOver; warning: string | null }> {
  const kernelPath = plan.portMode === 'kernel';
  const carryOver = await countCarryOver(
    kernelPath ? { destinations: resolved.destinations.map((d) => authorityOf(d.host, d.port)) } : { sources: plan.sources },
  );
  if (carryOver.timeWait === 0) return { carryOver, warning: null };
  const where = kernelPath ? 'towards the target' : `on the source address${plan.sources.length === 1 ? '' : 'es'}`;
  const count = carryOver.timeWait.toLocaleString('en-US');
  const slower = kernelPath ? '' : ' and bind() is slower';
  return {
    carryOver,
    warning: `${count} TIME_WAIT sockets from earlier runs were already ${where}: fewer ports are free${slower}; wait 60 s or use fresh --sources`,
  };
}

/** The load itself on the chosen engine; a crashed worker thread keeps what the others measured. */
async function runTheLoad(
  plan: Plan,
  setup: RunSetup,
  resolved: ResolvedTarget,
  hooks: RunHooks,
  opened: { transport: Transport | null },
): Promise<{ load: LoadSnapshot; failures: string[] }> {
  const { engine, skipPorts } = setup;
  try {
    const load =
      engine.engine === 'native'
        ? await runNativeForPlan(engine.addon, plan, resolved, skipPorts, hooks)
        : plan.workers > 1
          ? await runWorkers(plan, resolved, skipPorts, hooks)
          : await runInThisThread(plan, resolved, skipPorts, hooks, (t) => (opened.transport = t));
    return { load, failures: [] };
  } catch (error) {
    if (!(error instanceof WorkerCrashError) || error.partial === null) throw error;
    return { load: error.partial, failures: [error.message] };
  }
}

/**
 * Runs a validated plan: pre-flight checks (no traffic until they pass), the built-in target
 * when the plan has no external one, the socket sampler, the load, then the result with the
 * capacity model beside the measurement. The target, the sampler and every pooled connection
 * are closed whatever happens.
 */
export async function runPlan(plan: Plan, hooks: RunHooks = {}): Promise<RunResult> {
  const setup = await checkBeforeTraffic(plan);
  const { environment, warnings } = setup;
  const closePolicy: TargetClosePolicy = plan.close === 'server' ? 'server' : 'client';
  let target: BuiltinTarget | null = null;
  // Filled by the load on this thread, so that it is closed whatever happens.
  const opened: { transport: Transport | null } = { transport: null };
  let sampler: Sampler | null = null;
  const startedAt = new Date().toISOString();
  try {
    if (plan.target.kind === 'builtin') {
      const { listen, delayMs, bodyBytes } = plan.target;
      target = await startBuiltinTarget({ listen, close: closePolicy, delayMs, bodyBytes });
    }
    const { resolved, url } = resolveTarget(setup, target);
    const { destinations } = resolved;
    const { carryOver, warning } = await carryOverOf(plan, resolved);
    if (warning) warnings.push(warning);
    if (plan.sampleIntervalMs > 0) sampler = await startSampler({ sources: plan.sources, destinations }, plan.sampleIntervalMs);

    const meter = await StageMeter.start(target);
    const { load, failures } = await runTheLoad(plan, setup, resolved, hooks, opened);
    meter.loadEnded();
    const durationMs = Math.round(load.endMs - load.startMs);
    const model = modelForRun(plan, environment, destinations, durationMs);
    const stats = target ? await target.close() : null;
    // The last sample after the target closed: it shows the TIME_WAIT the stage left on each side.
    const sockets: SocketReport | null = sampler ? await sampler.stop(model.usablePorts) : null;
    sampler = null;
    const { kernel, cpu } = await meter.finish(stats, durationMs, plan.workers, plan.netns ? 'namespace' : 'host');

    const fds = fileDescriptorWarning(plan, environment.openFileLimit);
    if (fds) warnings.push(fds);
    if (load.unsent > 0) warnings.push(`${load.unsent} scheduled requests were never sent: --max-in-flight was reached when the run ended`);
    return runResultOf({
      header: resultHeader('run', startedAt, load.interrupted),
      engine: setup.engine.engine,
      plan,
      environment,
      target: { kind: plan.target.kind, endpoints: destinations, url, closePolicy: target ? closePolicy : null, stats },
      carryOver,
      load,
      durationMs,
      model,
      sockets,
      kernel,
      cpu,
      warnings,
      failures,
    });
  } finally {
    await sampler?.stop(null);
    await opened.transport?.close();
    await target?.close();
  }
}
