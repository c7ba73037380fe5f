import { release } from 'node:os';
import { openConntrack } from '../env/conntrack.js';
import { natBudget } from '../model/nat-budget.js';
import { buildPlan } from '../plan/build-plan.js';
import { CONNTRACK_STAT_NAMES, type ConntrackSnapshot, type ConntrackStats } from '../result/conntrack.js';
import { resultHeader } from '../result/header.js';
import { NAT_KEYS_PER_SECOND, type ConntrackDelta, type NatResult, type NatStageResult } from '../result/nat-result.js';
import type { RunResult } from '../result/result.js';
import type { TargetStats } from '../result/target-stats.js';
import { runJobInNamespace } from '../runner/run-in-namespace.js';
import type { RunHooks } from '../runner/run-plan.js';
import { limitDrops, makeNatScene, type NatScene } from './scene.js';
import { addressPlanOf, type NatAddressPlan, type NatSceneSpec } from './scene-spec.js';
import { NAT_DEFAULTS, natRunOf, type NatOptions, type NatStagePlan } from './nat-stages.js';
import { connectRetransmitsOf, natReadingOf } from './nat-reading.js';
import { hostCpuSince, readHostCpu } from '../env/host-cpu.js';

function delta(before: ConntrackStats, after: ConntrackStats): ConntrackDelta {
  return Object.fromEntries(CONNTRACK_STAT_NAMES.map((k) => [k, after[k] - before[k]])) as unknown as ConntrackDelta;
}

/** The pods' own ephemeral ports: their namespace is fresh, so the kernel's default ip_local_port_range. */
const POD_PORTS = { low: 32768, high: 60999 } as const;

/** Waits for a serve job's `ready`, or fails when it ends first or takes longer than 15 s. */
function startServer(
  scene: NatScene,
  ports: readonly number[],
  close: 'client' | 'server',
): { ready: Promise<void>; stop(): Promise<TargetStats> } {
  const abort = new AbortController();
  let listening: () => void = () => {};
  const heard = new Promise<void>((resolve) => (listening = resolve));
  const done = runJobInNamespace<TargetStats>(
    { kind: 'serve', listen: endpointsOf(scene.plan.servers, ports), close },
    {},
    { signal: abort.signal },
    { namespace: scene.server, onReady: () => listening() },
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the NAT scene's server did not listen within 15 s")), 15_000);
  });
  // Ready when it listens; an error if it ends first (a server that failed) or takes too long.
  const ready = Promise.race([
    heard,
    done.then(() => Promise.reject(new Error("the NAT scene's server ended before it listened"))),
    late,
  ]).finally(() => clearTimeout(timer));
  return {
    ready,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}

/** Every (destination address, port): each port on the first address, then the next address. */
function endpointsOf(servers: readonly string[], ports: readonly number[]): { host: string; port: number }[] {
  return servers.flatMap((host) => ports.map((port) => ({ host, port })));
}

/** The load of one stage from the pods to every destination address and port, checked by buildPlan. */
function loadPlanOf(stage: NatStagePlan, plan: NatAddressPlan, options: NatOptions) {
  const [first, ...more] = endpointsOf(plan.servers, stage.destinationPorts);
  const load = {
    target: `http://${first!.host}:${first!.port}/`,
    allowRemote: true,
    sources: plan.pods.join(','),
    portMode: 'bind' as const,
    close: stage.close,
    ...('connections' in stage.load ? { connections: stage.load.connections } : { rate: stage.load.ratePerSec }),
    duration: options.duration ?? NAT_DEFAULTS.duration,
    timeout: options.timeout ?? NAT_DEFAULTS.timeout,
    sampleInterval: '0s',
  };
  const facts = { ephemeralPorts: POD_PORTS, isolated: true };
  const namespace = { sysctls: {}, profile: null, note: "the NAT scene's pods namespace" };
  const built = buildPlan(load, facts, namespace);
  if (built.target.kind !== 'external') throw new Error('the NAT load has an external target');
  return { ...built, target: { ...built.target, moreEndpoints: more } };
}

function specOf(base: Pick<NatSceneSpec, 'kind'>, stage: NatStagePlan): NatSceneSpec {
  return {
    ...base,
    destinationPorts: stage.destinationPorts,
    pods: stage.pods,
    natAddresses: stage.natAddresses,
    natPorts: stage.natPorts,
    flags: stage.flags,
    destinations: stage.destinations,
    connLimit: stage.connLimit,
    portsPerPod: stage.portsPerPod,
    conntrackTimeouts: stage.conntrackTimeouts,
  };
}

/**
 * `portchurn nat`: for each axis value, a scene of its own (pods, an nftables router, servers),
 * the built-in target in the servers' namespace, non-keepalive load from every pod through the
 * router to the destinations, and the router's conntrack read through ctnetlink before, every
 * second and after the load. Every scene is removed when its stage ends, failed or not.
 */
export async function natScenario(options: NatOptions = {}, hooks: RunHooks = {}): Promise<NatResult> {
  const startedAt = new Date().toISOString();
  const base = { kind: options.kind ?? NAT_DEFAULTS.kind };
  const { axis, profile, stages } = natRunOf(options);
  // Every stage checked now (its scene and its load), so bad input fails before any scene is made.
  for (const stage of stages) loadPlanOf(stage, addressPlanOf(specOf(base, stage)), options);
  const first = addressPlanOf(specOf(base, stages[0]!));
  const results: NatStageResult[] = [];
  for (const stage of stages) {
    if (hooks.signal?.aborted) break;
    const scene = await makeNatScene(specOf(base, stage));
    let server: ReturnType<typeof startServer> | null = null;
    try {
      const plan = loadPlanOf(stage, scene.plan, options);
      server = startServer(scene, stage.destinationPorts, stage.close === 'server' ? 'server' : 'client');
      await server.ready;
      const conntrack = openConntrack(`/run/netns/${scene.router}`);
      const before = conntrack.read();
      const perSecond: NatStageResult['conntrack']['perSecond'][number][] = [];
      const timer = setInterval(() => {
        const now: ConntrackSnapshot = conntrack.read();
        const busiest = [...now.mappings].sort((a, b) => b.total - a.total).slice(0, NAT_KEYS_PER_SECOND);
        perSecond.push({ second: perSecond.length, total: now.natTotal, byState: now.natByState, mappings: busiest });
      }, 1000);
      const cpuBefore = readHostCpu();
      const started = performance.now();
      let client: RunResult;
      let cpuAfter: ReturnType<typeof readHostCpu>;
      let wallMs: number;
      let after: ConntrackSnapshot;
      try {
        client = await runJobInNamespace<RunResult>({ kind: 'run', plan }, {}, hooks, { namespace: scene.client });
        cpuAfter = readHostCpu();
        wallMs = performance.now() - started;
        after = conntrack.read();
      } finally {
        clearInterval(timer);
        conntrack.close();
      }
      const dropsAtLimit = await limitDrops(scene);
      await server.stop();
      server = null;
      // The hold after close where the scene set it: CLOSE after a reset, TIME_WAIT after a FIN.
      const hold = scene.conntrackTimeouts[stage.close === 'reset' ? 'close' : 'time_wait'];
      const model = natBudget({
        pods: scene.plan.pods,
        natAddresses: scene.plan.natAddresses,
        ports: stage.natPorts.high - stage.natPorts.low + 1,
        lowPort: stage.natPorts.low,
        podPorts: POD_PORTS,
        destinations: scene.plan.servers,
        destinationPorts: stage.destinationPorts.length,
        persistent: stage.flags.includes('persistent'),
        randomPorts: stage.flags.includes('random') || stage.flags.includes('fully-random'),
        close: stage.close,
        kernel: release(),
        connLimit: stage.connLimit,
        portsPerPod: stage.portsPerPod,
        ...(hold === undefined ? {} : { holdSec: hold }),
      });
      const result = {
        label: stage.label,
        natPorts: stage.natPorts,
        natAddresses: stage.natAddresses,
        settings: {
          pods: stage.pods,
          destinations: scene.plan.servers,
          destinationPorts: stage.destinationPorts,
          flags: stage.flags,
          connLimit: stage.connLimit,
          close: stage.close,
          load: stage.load,
          portsPerPod: stage.portsPerPod,
          conntrackTimeouts: scene.conntrackTimeouts,
        },
        ruleset: scene.ruleset,
        client,
        conntrack: { delta: delta(before.stats, after.stats), heldAtEnd: after.mappings, portKeptAtEnd: after.natPortKept ?? 0, perSecond },
        connectRetransmits: connectRetransmitsOf(client),
        ...(cpuBefore && cpuAfter ? { hostCpu: hostCpuSince(cpuBefore, cpuAfter, wallMs) } : {}),
        limitDrops: dropsAtLimit,
        model,
      };
      results.push({ ...result, ...natReadingOf(result, stage.load) });
    } finally {
      // A stage that failed stops its server too (its counts are not wanted then), before the scene goes.
      await server?.stop().catch(() => {});
      await scene.remove();
    }
  }
  return {
    ...resultHeader('nat', startedAt, hooks.signal?.aborted ?? false),
    axis,
    scene: {
      kind: base.kind,
      pods: options.pods ?? NAT_DEFAULTS.pods,
      natAddresses: options.natAddresses ?? NAT_DEFAULTS.natAddresses,
      flags: options.flags ?? [],
      destination: { host: first.servers[0]!, port: stages[0]!.destinationPorts[0]! },
      destinations: options.destinations ?? NAT_DEFAULTS.destinations,
      ...(profile === null ? {} : { profile }),
    },
    stages: results,
    warnings: [],
  };
}
