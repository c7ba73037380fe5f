import { readEnvironment, readListeningPorts } from '../env/environment.js';
import type { Environment } from '../result/environment.js';
import type { Plan } from '../plan/plan.js';
import { ephemeralRangeOf, rangesOverlap } from '../plan/ports.js';
import { checkSourcesReach, type TargetEndpoint } from '../plan/target-url.js';
import { familyOf } from '../plan/addresses.js';
import { chooseEngine, type EngineDecision } from './choose-engine.js';
import { checkSocketPortRange, checkSourcesBindable, resolveTargetHost } from './preflight.js';

/** What the checks before any traffic found: the host, the engine, and where an external target is. */
export interface RunSetup {
  readonly environment: Environment;
  /** Warnings the result will carry; the run adds its own. */
  readonly warnings: string[];
  /** Explicit mode: ports something listens on, which the picker skips. */
  readonly skipPorts: ReadonlySet<number>;
  /** The external target, or null for the built-in one. */
  readonly endpoint: TargetEndpoint | null;
  /** The external target's address to connect to (its name resolved), or null. */
  readonly connectHost: string | null;
  /** The external target's further endpoints (ExternalTargetPlan.moreEndpoints), their hosts checked the same way. */
  readonly moreEndpoints: readonly { readonly host: string; readonly port: number }[];
  readonly engine: EngineDecision;
}

/**
 * Everything checked before a connection is made (each failure a PreflightError, exit 2): the
 * sources can be bound, a socket port range fits this kernel, an external target resolves to
 * loopback or was allowed; and the engine that will run the plan.
 */
export async function checkBeforeTraffic(plan: Plan): Promise<RunSetup> {
  const environment = await readEnvironment();
  const warnings: string[] = [];
  if (plan.sources.length > 0) await checkSourcesBindable(plan.sources);
  const ephemeral = ephemeralRangeOf(environment.sysctls['net.ipv4.ip_local_port_range']);
  if (plan.socketPortRange) checkSocketPortRange(plan.socketPortRange, ephemeral, environment.kernelRelease);
  const skipPorts = plan.portMode === 'explicit' ? await readListeningPorts() : new Set<number>();
  if (plan.explicitPorts && rangesOverlap(plan.explicitPorts, ephemeral)) {
    const { low, high } = plan.explicitPorts;
    warnings.push(
      `explicit ports ${low}-${high} overlap ip_local_port_range ${ephemeral.low}-${ephemeral.high}: other programs on this host may fail to connect during the run`,
    );
  }
  const endpoint = plan.target.kind === 'external' ? plan.target.endpoint : null;
  const connectHost = endpoint ? await resolveTargetHost(endpoint.host, endpoint.family, plan.allowRemote) : null;
  // A name is known to be remote only once it resolves (an IP literal was checked in buildPlan).
  if (connectHost !== null) checkSourcesReach(plan.sources, connectHost);
  const moreEndpoints: { host: string; port: number }[] = [];
  for (const { host, port } of plan.target.kind === 'external' ? (plan.target.moreEndpoints ?? []) : []) {
    const resolved = await resolveTargetHost(host, familyOf(host), plan.allowRemote);
    checkSourcesReach(plan.sources, resolved);
    moreEndpoints.push({ host: resolved, port });
  }
  const engine = chooseEngine(plan, endpoint?.protocol ?? 'http');
  if (engine.note) warnings.push(engine.note);
  return { environment, warnings, skipPorts, endpoint, connectHost, moreEndpoints, engine };
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
