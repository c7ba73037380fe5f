import { release } from 'node:os';
import { readConntrack } from '../env/conntrack.js';
import { PlanError } from '../errors.js';
import { natBudget } from '../model/nat-budget.js';
import { buildPlan } from '../plan/build-plan.js';
import type { ClosePolicy } from '../plan/plan.js';
import { decodeHistogram } from '../result/histogram.js';
import { CONNTRACK_STAT_NAMES, type ConntrackSnapshot, type ConntrackStats } from '../result/conntrack.js';
import { resultHeader } from '../result/header.js';
import type { ConntrackDelta, NatResult, NatStageResult } from '../result/nat-result.js';
import type { RunResult } from '../result/result.js';
import type { TargetStats } from '../result/target-stats.js';
import { runJobInNamespace } from '../runner/run-in-namespace.js';
import type { RunHooks } from '../runner/run-plan.js';
import { limitDrops, makeNatScene, type NatScene } from './scene.js';
import { addressPlanOf, type NatFlag, type NatKind, type NatSceneSpec } from './scene-spec.js';

/** Options of `portchurn nat`, with their defaults stated once in NAT_DEFAULTS. */
export interface NatOptions {
  /** What grows from stage to stage: the NAT ports (default) or the NAT addresses. */
  readonly axis?: NatAxis;
  /** The axis' values, one stage each (comma list): NAT port counts, or NAT address counts. */
  readonly values?: string;
  /** NAT ports of every stage when the axis is the NAT addresses. */
  readonly natPorts?: number;
  /** Also a reference stage with the rule's ports 1024-65535. */
  readonly reference?: boolean;
  readonly kind?: NatKind;
  readonly pods?: number;
  readonly natAddresses?: number;
  readonly flags?: readonly NatFlag[];
  readonly destinationPort?: number;
  readonly connections?: number;
  readonly duration?: string;
  readonly timeout?: string;
  readonly close?: Extract<ClosePolicy, 'client' | 'server'>;
  /** A conntrack table limit on the pods' connections (`ct count over N` in the router); none by default. */
  readonly connLimit?: number | null;
}

/** The axes `portchurn nat` sweeps. */
export const NAT_AXES = ['nat-ports', 'nat-addresses'] as const;
export type NatAxis = (typeof NAT_AXES)[number];

export const NAT_DEFAULTS = {
  axis: 'nat-ports' as NatAxis,
  values: '8,16,32,64',
  /** Default values on the nat-addresses axis, and the ports each stage has there. */
  addressValues: '1,2,4',
  natPorts: 8,
  reference: true,
  kind: 'snat' as NatKind,
  pods: 4,
  natAddresses: 1,
  destinationPort: 80,
  connections: 32,
  duration: '5s',
  timeout: '5s',
  close: 'client' as const,
  /** The first NAT port; a stage of N ports maps to FIRST..FIRST+N-1. */
  firstPort: 20000,
} as const;

function delta(before: ConntrackStats, after: ConntrackStats): ConntrackDelta {
  return Object.fromEntries(CONNTRACK_STAT_NAMES.map((k) => [k, after[k] - before[k]])) as unknown as ConntrackDelta;
}

/** One stage: its label, its NAT port range and its NAT address count. */
interface StagePlan {
  readonly label: string;
  readonly low: number;
  readonly high: number;
  readonly natAddresses: number;
}

/** The stages, checked before anything is made. */
function stagesOf(options: NatOptions): StagePlan[] {
  const axis = options.axis ?? NAT_DEFAULTS.axis;
  const text = options.values ?? (axis === 'nat-ports' ? NAT_DEFAULTS.values : NAT_DEFAULTS.addressValues);
  const addresses = options.natAddresses ?? NAT_DEFAULTS.natAddresses;
  const ports = options.natPorts ?? NAT_DEFAULTS.natPorts;
  const first = NAT_DEFAULTS.firstPort;
  const most = 65535 - first + 1;
  if (!Number.isInteger(ports) || ports < 1 || ports > most) throw new PlanError('--nat-ports', `--nat-ports ${ports}: from 1 to ${most}`);
  const stages = text.split(',').map((v): StagePlan => {
    const n = Number(v.trim());
    if (axis === 'nat-ports') {
      if (!Number.isInteger(n) || n < 1 || n > most)
        throw new PlanError('--values', `--values ${v.trim()}: a NAT port count from 1 to ${most}`);
      return { label: String(n), low: first, high: first + n - 1, natAddresses: addresses };
    }
    if (!Number.isInteger(n) || n < 1 || n > 256)
      throw new PlanError('--values', `--values ${v.trim()}: a NAT address count from 1 to 256`);
    return { label: String(n), low: first, high: first + ports - 1, natAddresses: n };
  });
  const reference = axis === 'nat-ports' && (options.reference ?? NAT_DEFAULTS.reference);
  return reference ? [...stages, { label: 'full', low: 1024, high: 65535, natAddresses: addresses }] : stages;
}

/** Waits for a serve job's `ready`, or fails when it ends first or takes longer than 15 s. */
function startServer(scene: NatScene, port: number): { ready: Promise<void>; stop(): Promise<TargetStats> } {
  const abort = new AbortController();
  let listening: () => void = () => {};
  const heard = new Promise<void>((resolve) => (listening = resolve));
  const done = runJobInNamespace<TargetStats>(
    { kind: 'serve', listen: scene.plan.servers.map((host) => ({ host, port })), close: 'client' },
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

interface RecordedValues {
  reset(): void;
  hasNext(): boolean;
  next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
}

/** Connects that waited for a SYN retransmit: 1 s or more, 3 s or more, from the stage's connect histogram. */
function retransmits(client: RunResult): NatStageResult['connectRetransmits'] {
  const h = client.latency.connectUs;
  if (h.summary.count === 0) return { atLeast1s: 0, atLeast3s: 0, connects: 0 };
  const d = decodeHistogram(h.hdr);
  let atLeast1s = 0;
  let atLeast3s = 0;
  // hdr-histogram-js walks its recorded values with an iterator its typings leave out.
  const it = (d as unknown as { recordedValuesIterator: RecordedValues }).recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    if (v.valueIteratedTo >= 900_000) atLeast1s += v.countAtValueIteratedTo;
    if (v.valueIteratedTo >= 2_900_000) atLeast3s += v.countAtValueIteratedTo;
  }
  return { atLeast1s, atLeast3s, connects: d.totalCount };
}

/**
 * nf_nat_l4proto_unique_tuple() tries at most NF_NAT_MAX_ATTEMPTS (128) ports; in the last
 * NF_NAT_HARDER_THRESH (a quarter) it may evict a colliding mapping in TIME_WAIT
 * (nf_nat_used_tuple_harder), and those attempts do not count in conntrack's `found`.
 */
const NF_NAT_HARDER_THRESH = 32;

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

function readingOf(stage: Omit<NatStageResult, 'reading'>, destination: string, connections: number): string {
  const held = stage.conntrack.heldAtEnd.filter((m) => m.destination === destination).reduce((n, m) => n + m.total, 0);
  const r = stage.connectRetransmits;
  const share = r.connects > 0 ? Math.round((100 * r.atLeast1s) / r.connects) : 0;
  const d = stage.conntrack.delta;
  const ok = stage.client.totals.ok;
  // The pods share the connections evenly; the pods on a NAT address share its ports.
  const pods = Object.values(stage.model.podsPerAddress).reduce((a, b) => a + b, 0);
  const busiest = Object.entries(stage.model.podsPerAddress).sort((a, b) => b[1] - a[1])[0];
  const openOnBusiest = busiest && pods > 0 ? (connections * busiest[1]) / pods : connections;
  const full = openOnBusiest > stage.model.portsPerAddress;
  const uneven = full && connections <= stage.model.mappings && busiest !== undefined;
  const limited =
    stage.model.connectionLimit !== null && connections > stage.model.connectionLimit && stage.model.connectionLimit < stage.model.mappings;
  if (limited)
    return `NAT: ${stage.model.formula}; the table limit (ct count over ${fmt(stage.model.connectionLimit!)}) let that many connections be tracked at once and dropped ${fmt(stage.limitDrops ?? 0)} SYNs past it, before any mapping was sought (${fmt(d.insertFailed)} insert_failed); ${fmt(held)} held when the load ended; ${share} % of connects took a retransmit (1 s or more${r.atLeast3s > 0 ? `, ${fmt(r.atLeast3s)} 3 s or more` : ''})`;
  const what = stage.model.timeWaitTakenBack
    ? full
      ? `${uneven ? `the hash put ${busiest![1]} of ${pods} pods on ${busiest![0]}: about ${fmt(openOnBusiest)} connections open at once against its ${fmt(stage.model.portsPerAddress)} ports, although all the NAT addresses hold ${fmt(stage.model.mappings)}` : `${fmt(connections)} connections open at once against ${fmt(stage.model.mappings)} mappings`}: the rest of the SYNs found none (${fmt(d.insertFailed)} insert_failed, ${fmt(d.drop)} dropped at the router) and waited for a retransmit`
      : `at most ${fmt(connections)} connections open at once, within the ${fmt(stage.model.mappings)} mappings: mappings in TIME_WAIT were taken back by new SYNs${d.found > 0 ? `, the router's port search meeting ${fmt(d.found)} taken tuples before its last ${NF_NAT_HARDER_THRESH} attempts (conntrack found: ${fmt(ok > 0 ? d.found / ok : 0)} a connection)` : ''}${d.insertFailed > 0 ? `; ${fmt(d.insertFailed)} SYNs still found none (insert_failed: mappings of closing connections, not yet TIME_WAIT, cannot be taken)` : ''}`
    : `${fmt(d.insertFailed)} SYNs found no mapping (insert_failed), ${fmt(d.drop)} dropped`;
  return `NAT: ${stage.model.formula}; ${fmt(held)} held when the load ended; ${what}; ${share} % of connects took a retransmit (1 s or more${r.atLeast3s > 0 ? `, ${fmt(r.atLeast3s)} 3 s or more` : ''})`;
}

/**
 * `portchurn nat`: for each NAT port range, a scene of its own (pods, an nftables router, a
 * server), the built-in target in the server's namespace, non-keepalive load from every pod
 * through the router to one destination, and the router's conntrack read through ctnetlink before,
 * every second and after the load. Every scene is removed when its stage ends, failed or not.
 */
export async function natScenario(options: NatOptions = {}, hooks: RunHooks = {}): Promise<NatResult> {
  const startedAt = new Date().toISOString();
  const port = options.destinationPort ?? NAT_DEFAULTS.destinationPort;
  const base: NatSceneSpec = {
    kind: options.kind ?? NAT_DEFAULTS.kind,
    pods: options.pods ?? NAT_DEFAULTS.pods,
    natAddresses: options.natAddresses ?? NAT_DEFAULTS.natAddresses,
    natPorts: { low: NAT_DEFAULTS.firstPort, high: NAT_DEFAULTS.firstPort },
    flags: options.flags ?? [],
    destinations: 1,
    destinationPorts: [port],
    connLimit: options.connLimit ?? null,
  };
  const ranges = stagesOf(options);
  for (const r of ranges) addressPlanOf({ ...base, natAddresses: r.natAddresses, natPorts: r });
  const plan0 = addressPlanOf(base);
  const destination = plan0.servers[0]!;
  // Checked now, so bad load options fail before any scene is made.
  const load = {
    target: `http://${destination}:${port}/`,
    allowRemote: true,
    sources: plan0.pods.join(','),
    portMode: 'bind' as const,
    close: options.close ?? NAT_DEFAULTS.close,
    connections: options.connections ?? NAT_DEFAULTS.connections,
    duration: options.duration ?? NAT_DEFAULTS.duration,
    timeout: options.timeout ?? NAT_DEFAULTS.timeout,
    sampleInterval: '0s',
  };
  const facts = { ephemeralPorts: { low: 32768, high: 60999 }, isolated: true };
  const namespace = { sysctls: {}, profile: null, note: "the NAT scene's pods namespace" };
  const plan = buildPlan(load, facts, namespace);
  const stages: NatStageResult[] = [];
  for (const range of ranges) {
    if (hooks.signal?.aborted) break;
    const scene = await makeNatScene({ ...base, natAddresses: range.natAddresses, natPorts: { low: range.low, high: range.high } });
    try {
      const server = startServer(scene, port);
      await server.ready;
      const routerPath = `/run/netns/${scene.router}`;
      const before = readConntrack(routerPath);
      const perSecond: { second: number; total: number; byState: ConntrackSnapshot['natByState'] }[] = [];
      const timer = setInterval(() => {
        const now: ConntrackSnapshot = readConntrack(routerPath);
        perSecond.push({ second: perSecond.length, total: now.natTotal, byState: now.natByState });
      }, 1000);
      let client: RunResult;
      try {
        client = await runJobInNamespace<RunResult>({ kind: 'run', plan }, {}, hooks, { namespace: scene.client });
      } finally {
        clearInterval(timer);
      }
      const after = readConntrack(routerPath);
      const dropsAtLimit = await limitDrops(scene);
      await server.stop();
      const model = natBudget({
        pods: scene.plan.pods,
        natAddresses: scene.plan.natAddresses,
        ports: range.high - range.low + 1,
        destination,
        persistent: base.flags.includes('persistent'),
        kernel: release(),
        connLimit: base.connLimit ?? null,
      });
      const stage = {
        label: range.label,
        natPorts: { low: range.low, high: range.high },
        natAddresses: range.natAddresses,
        ruleset: scene.ruleset,
        client,
        conntrack: { delta: delta(before.stats, after.stats), heldAtEnd: after.mappings, perSecond },
        connectRetransmits: retransmits(client),
        limitDrops: dropsAtLimit,
        model,
      };
      stages.push({ ...stage, reading: readingOf(stage, destination, load.connections) });
    } finally {
      await scene.remove();
    }
  }
  return {
    ...resultHeader('nat', startedAt, hooks.signal?.aborted ?? false),
    axis: options.axis ?? NAT_DEFAULTS.axis,
    scene: {
      kind: base.kind,
      pods: base.pods,
      natAddresses: base.natAddresses,
      flags: base.flags,
      destination: { host: destination, port },
    },
    stages,
    warnings: [],
  };
}
