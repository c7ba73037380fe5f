import { resultHeader } from '../result/header.js';
import { authorityOf } from '../engine/http-request.js';
import type { EngineOutcome, LoadHooks } from '../engine/load-engine.js';
import { countCarryOver } from '../env/carry-over.js';
import type { Plan } from '../plan/plan.js';
import type { RunResult } from '../result/result.js';
import type { CarryOver } from '../result/environment.js';
import { modelForRun } from '../model/model-for-run.js';
import { loadJobOf, type ResolvedTarget } from './load-job.js';
import { startSampler, type Sampler } from '../sampler/sampler.js';
import { startBuiltinTarget, type BuiltinTarget } from '../builtin-target/builtin-target.js';
import type { SocketReport } from '../result/sockets.js';
import type { TargetClosePolicy } from '../result/target-stats.js';
import { checkBeforeTraffic, fileDescriptorWarning, type RunSetup } from './run-checks.js';
import { StageMeter } from './stage-meter.js';
import { runResultOf } from './run-result-of.js';

/** Ways to follow and stop a run; the library itself never prints. The engines' hooks, passed through. */
export type RunHooks = LoadHooks;

/** Where the load goes: the built-in target's addresses (speaking `builtinProtocol`) or the external target's resolved one. */
function resolveTarget(
  setup: RunSetup,
  target: BuiltinTarget | null,
  builtinProtocol: 'http' | 'tcp',
): { resolved: ResolvedTarget; url: string } {
  const { endpoint, connectHost, moreEndpoints } = setup;
  const destinations = target ? target.addresses : [{ host: connectHost!, port: endpoint!.port }, ...moreEndpoints];
  const resolved: ResolvedTarget = {
    protocol: endpoint?.protocol ?? builtinProtocol,
    destinations,
    path: endpoint?.path ?? '/',
    displayHost: endpoint?.host ?? destinations[0]!.host,
    named: endpoint !== null && endpoint.family === null,
  };
  const builtinUrl = `${builtinProtocol}://${authorityOf(resolved.displayHost, destinations[0]!.port)}${builtinProtocol === 'http' ? '/' : ''}`;
  return { resolved, url: endpoint?.url ?? builtinUrl };
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

/** The load on the engine the checks chose, built once from the plan whatever that engine is. */
function runTheLoad(plan: Plan, setup: RunSetup, resolved: ResolvedTarget, hooks: RunHooks): Promise<EngineOutcome> {
  return setup.engine.engine.run(loadJobOf(plan, resolved, setup.skipPorts), hooks);
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
  let sampler: Sampler | null = null;
  const startedAt = new Date().toISOString();
  try {
    if (plan.target.kind === 'builtin') {
      const { listen, delayMs, bodyBytes, threads, engine, protocol } = plan.target;
      target = await startBuiltinTarget({
        listen,
        close: closePolicy,
        protocol,
        delayMs,
        bodyBytes,
        engine,
        ...(threads === null ? {} : { threads }),
      });
    }
    const { resolved, url } = resolveTarget(setup, target, plan.target.kind === 'builtin' ? plan.target.protocol : 'http');
    const { destinations } = resolved;
    const { carryOver, warning } = await carryOverOf(plan, resolved);
    if (warning) warnings.push(warning);
    if (plan.sampleIntervalMs > 0) sampler = await startSampler({ sources: plan.sources, destinations }, plan.sampleIntervalMs);

    const meter = await StageMeter.start(target);
    const loadStartedAt = new Date().toISOString();
    const { snapshot: load, failures } = await runTheLoad(plan, setup, resolved, hooks);
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
      engine: setup.engine.engine.name,
      engineReason: setup.engine.reason,
      plan,
      environment,
      target: {
        kind: plan.target.kind,
        endpoints: destinations,
        url,
        closePolicy: target ? closePolicy : null,
        stats,
        ...(target ? { engine: target.engine, engineReason: target.reason, threads: target.threads } : {}),
      },
      carryOver,
      load,
      loadStartedAt,
      durationMs,
      model,
      sockets,
      kernel,
      cpu,
      warnings,
      // The built-in target's own failures belong to the run: a thread that stopped serving changed what was measured.
      failures: [...failures, ...(stats?.failures ?? [])],
    });
  } finally {
    await sampler?.stop(null);
    await target?.close();
  }
}
