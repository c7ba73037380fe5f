import { release } from 'node:os';
import { PlanError } from '../errors.js';
import { sceneProfileOf } from './nat-profile.js';
import { NAT_FLAGS, type NatFlag, type NatKind } from './scene-spec.js';
import type { NatAxis, NatSceneProfile } from '../result/nat-result.js';

/** Who ends each connection behind the NAT: the client or the server with a FIN, or the client with a reset. */
export type NatClose = 'client' | 'server' | 'reset';
export const NAT_CLOSES: readonly NatClose[] = ['client', 'server', 'reset'];

export { NAT_AXES, type NatAxis } from '../result/nat-result.js';

/** Options of `portchurn nat`, with their defaults stated once in NAT_DEFAULTS. */
export interface NatOptions {
  /** What grows from stage to stage (NAT_AXES); the NAT ports by default. */
  readonly axis?: NatAxis;
  /** The axis' values, one stage each (comma list); each axis has its defaults in NAT_DEFAULTS.axisValues. */
  readonly values?: string;
  /** NAT ports of every stage, where the axis is not the NAT ports: a count from NAT_DEFAULTS.firstPort, or a range. */
  readonly natPorts?: number | { readonly low: number; readonly high: number };
  /** Also a reference stage with the rule's ports 1024-65535 (the nat-ports axis only). */
  readonly reference?: boolean;
  readonly kind?: NatKind;
  readonly pods?: number;
  readonly natAddresses?: number;
  readonly flags?: readonly NatFlag[];
  /** Server addresses (198.19.128.1 on), each with the built-in target on every destination port; the load turns over them. */
  readonly destinations?: number;
  /** Ports the built-in target listens on at every destination; the load turns over every (address, port). */
  readonly destinationPorts?: readonly number[];
  /** Connections open at once (closed loop); ignored where `rate` is set. */
  readonly connections?: number;
  /** New connections a second (open loop) instead of a closed loop; null or absent: closed loop. */
  readonly rate?: number | null;
  readonly duration?: string;
  readonly timeout?: string;
  readonly close?: NatClose;
  /** A conntrack table limit on the pods' connections (`ct count over N` in the router); none by default. */
  readonly connLimit?: number | null;
  /**
   * A system's NAT at a scale (nat/nat-profile.ts): its ports (per address, or per pod where it
   * allocates per source) and conntrack timeouts divided by `scale`; it sets the NAT ports, so
   * `natPorts` and the nat-ports axis are refused beside it.
   */
  readonly profile?: string;
  /** The profile's scale; by default the factor that leaves PROFILE_PORTS ports. */
  readonly scale?: number;
}

export const NAT_DEFAULTS = {
  axis: 'nat-ports' as NatAxis,
  /** Each axis' default values. */
  axisValues: {
    'nat-ports': '8,16,32,64',
    'nat-addresses': '1,2,4',
    destinations: '1,2,4',
    'destination-ports': '1,2,4',
    pods: '1,2,4',
    rate: '500,2000,8000',
    close: 'client,server,reset',
    'nat-flags': 'none,random,fully-random',
    'conn-limit': 'none,64,16',
  } satisfies Record<NatAxis, string>,
  /** NAT ports of every stage on the other axes. */
  natPorts: 8,
  reference: true,
  kind: 'snat' as NatKind,
  pods: 4,
  natAddresses: 1,
  destinations: 1,
  destinationPorts: [80] as readonly number[],
  connections: 32,
  duration: '5s',
  timeout: '5s',
  close: 'client' as NatClose,
  /** The first NAT port; a stage of N ports maps to FIRST..FIRST+N-1. */
  firstPort: 20000,
} as const;

/** How the load goes: a closed loop of connections open at once, or new connections at a rate. */
export type NatLoad = { readonly connections: number } | { readonly ratePerSec: number };

/**
 * The axis a run sweeps: the one asked for; else, with a profile, the pods where it allocates
 * ports per source (each pod brings its own block) and the NAT addresses where they share them;
 * else the NAT ports.
 */
export function natAxisOf(options: NatOptions, profilePerSource: boolean | null): NatAxis {
  if (options.axis !== undefined) return options.axis;
  if (profilePerSource === null) return NAT_DEFAULTS.axis;
  return profilePerSource ? 'pods' : 'nat-addresses';
}

/** `--nat-ports`: a count (from NAT_DEFAULTS.firstPort) or LOW-HIGH. */
export function parseNatPorts(text: string): number | { low: number; high: number } {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (m) return { low: Number(m[1]), high: Number(m[2]) };
  const n = Number(text);
  if (!Number.isInteger(n)) throw new PlanError('--nat-ports', `--nat-ports ${text}: a count of ports, or LOW-HIGH`);
  return n;
}

/** One stage: every setting of its scene and its load, checked before anything is made. */
export interface NatStagePlan {
  /** The axis value, as the tables show it (`full` for the reference range). */
  readonly label: string;
  readonly natPorts: { readonly low: number; readonly high: number };
  readonly natAddresses: number;
  readonly pods: number;
  readonly destinations: number;
  /** Ports on every destination address. */
  readonly destinationPorts: readonly number[];
  readonly flags: readonly NatFlag[];
  readonly connLimit: number | null;
  readonly close: NatClose;
  readonly load: NatLoad;
  /** Ports each pod has apart (a rule per pod); null: the pods share the range. */
  readonly portsPerPod: number | null;
  /** conntrack's TCP timeouts to set in the router (s, by name); empty: the kernel's. */
  readonly conntrackTimeouts: Readonly<Record<string, number>>;
}

const MOST_PORTS = 65535 - NAT_DEFAULTS.firstPort + 1;

function whole(option: string, text: string, low: number, high: number, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < low || n > high) throw new PlanError(option, `${option} ${text}: ${what} from ${low} to ${high}`);
  return n;
}

/** `none`, or flags joined with `+` (`random+persistent`). */
function flagsOf(text: string): NatFlag[] {
  if (text === 'none') return [];
  return text.split('+').map((f) => {
    if (!NAT_FLAGS.includes(f as NatFlag))
      throw new PlanError('--values', `--values ${text}: none, or NAT flags joined with + (${NAT_FLAGS.join(', ')})`);
    return f as NatFlag;
  });
}

/**
 * The stages of a `portchurn nat` run: the scene and load every stage shares, with the axis'
 * setting changed to each value in turn (and, on the nat-ports axis, a reference stage with the
 * full range). Every value is checked here, before any scene is made.
 */
export function natStagesOf(options: NatOptions, kernel: string = release()): NatStagePlan[] {
  return natRunOf(options, kernel).stages;
}

/** A run's stages with the axis they sweep and the profile they reproduce (null: none), all checked before anything is made. */
export function natRunOf(
  options: NatOptions,
  kernel: string = release(),
): { axis: NatAxis; profile: NatSceneProfile | null; stages: NatStagePlan[] } {
  const profile = options.profile === undefined ? null : sceneProfileOf(options.profile, kernel, options.scale);
  if (profile === null && options.scale !== undefined) throw new PlanError('--scale', '--scale applies to a --profile');
  if (profile && options.natPorts !== undefined)
    throw new PlanError(
      '--nat-ports',
      `--nat-ports: the profile ${profile.name} sets the NAT ports (${profile.ports} at 1/${profile.scale})`,
    );
  if (profile && options.axis === 'nat-ports')
    throw new PlanError('--axis', `--axis nat-ports: the profile ${profile.name} sets the NAT ports; sweep another axis`);
  const axis = natAxisOf(options, profile?.perSource ?? null);
  const text = options.values ?? NAT_DEFAULTS.axisValues[axis];
  const first = NAT_DEFAULTS.firstPort;
  const ports = profile && !profile.perSource ? profile.ports : (options.natPorts ?? NAT_DEFAULTS.natPorts);
  const range = typeof ports === 'number' ? { low: first, high: first + ports - 1 } : ports;
  if (typeof ports === 'number' && (!Number.isInteger(ports) || ports < 1 || ports > MOST_PORTS))
    throw new PlanError('--nat-ports', `--nat-ports ${ports}: a count from 1 to ${MOST_PORTS}, or LOW-HIGH`);
  if (!Number.isInteger(range.low) || !Number.isInteger(range.high) || range.low < 1 || range.high > 65535 || range.low > range.high)
    throw new PlanError('--nat-ports', `--nat-ports ${range.low}-${range.high}: LOW-HIGH within 1-65535`);
  const rate = options.rate ?? null;
  if (rate !== null && (!Number.isFinite(rate) || rate <= 0))
    throw new PlanError('--rate', `--rate ${rate}: new connections a second, above 0`);
  const base: NatStagePlan = {
    label: '',
    natPorts: range,
    natAddresses: options.natAddresses ?? NAT_DEFAULTS.natAddresses,
    pods: options.pods ?? NAT_DEFAULTS.pods,
    destinations: options.destinations ?? NAT_DEFAULTS.destinations,
    destinationPorts: options.destinationPorts ?? NAT_DEFAULTS.destinationPorts,
    flags: options.flags ?? [],
    connLimit: options.connLimit ?? null,
    close: options.close ?? NAT_DEFAULTS.close,
    load: rate === null ? { connections: options.connections ?? NAT_DEFAULTS.connections } : { ratePerSec: rate },
    portsPerPod: profile?.perSource ? profile.ports : null,
    conntrackTimeouts: profile?.conntrackTimeouts ?? {},
  };
  const values = text.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) throw new PlanError('--values', `--values '${text}': a comma list of ${axis} values`);
  const stages = values.map((v): NatStagePlan => {
    const stage = { ...base, label: v };
    switch (axis) {
      case 'nat-ports': {
        const n = whole('--values', v, 1, MOST_PORTS, 'a NAT port count');
        return { ...stage, natPorts: { low: first, high: first + n - 1 } };
      }
      case 'nat-addresses':
        return { ...stage, natAddresses: whole('--values', v, 1, 256, 'a NAT address count') };
      case 'destinations':
        return { ...stage, destinations: whole('--values', v, 1, 256, 'a destination address count') };
      case 'destination-ports': {
        // N ports from the first destination port on: 80, 81, ...
        const n = whole('--values', v, 1, 64, 'a destination port count');
        const first = (options.destinationPorts ?? NAT_DEFAULTS.destinationPorts)[0]!;
        if (first + n - 1 > 65535) throw new PlanError('--values', `--values ${v}: ports from ${first} run past 65535`);
        return { ...stage, destinationPorts: Array.from({ length: n }, (_, i) => first + i) };
      }
      case 'pods':
        return { ...stage, pods: whole('--values', v, 1, 4096, 'a pod count') };
      case 'rate': {
        const r = Number(v);
        if (!Number.isFinite(r) || r <= 0) throw new PlanError('--values', `--values ${v}: new connections a second, above 0`);
        return { ...stage, load: { ratePerSec: r } };
      }
      case 'close':
        if (!NAT_CLOSES.includes(v as NatClose)) throw new PlanError('--values', `--values ${v}: one of ${NAT_CLOSES.join(', ')}`);
        return { ...stage, close: v as NatClose };
      case 'nat-flags':
        return { ...stage, flags: flagsOf(v) };
      case 'conn-limit':
        return { ...stage, connLimit: v === 'none' ? null : whole('--values', v, 1, 1_000_000, 'none, or a connection count') };
    }
  });
  const reference = axis === 'nat-ports' && (options.reference ?? NAT_DEFAULTS.reference);
  const all = reference ? [...stages, { ...base, label: 'full', natPorts: { low: 1024, high: 65535 } }] : stages;
  // Ports allocated per pod: the range holds every pod's block, however many pods the stage has.
  const stagesWithRanges = all.map((s) =>
    s.portsPerPod === null ? s : { ...s, natPorts: { low: first, high: first + s.pods * s.portsPerPod - 1 } },
  );
  return { axis, profile, stages: stagesWithRanges };
}
