import { PlanError } from '../errors.js';

/** How the router rewrites the pods' source: nftables `snat to` its NAT addresses, or `masquerade` to its own. */
export type NatKind = 'snat' | 'masquerade';
/** nftables' port-choice flags for a NAT rule. */
export type NatFlag = 'random' | 'fully-random' | 'persistent';
export const NAT_FLAGS: readonly NatFlag[] = ['random', 'fully-random', 'persistent'];

/** One NAT scene: pods behind a router that rewrites their source, and servers behind it. */
export interface NatSceneSpec {
  readonly kind: NatKind;
  /** Pod-like source addresses in the client namespace (198.18.0.1 on). */
  readonly pods: number;
  /** Addresses the router rewrites the pods' source to (198.19.0.1 on); masquerade takes one, its own. */
  readonly natAddresses: number;
  /** The ports the rule maps to, inclusive. */
  readonly natPorts: { readonly low: number; readonly high: number };
  readonly flags: readonly NatFlag[];
  /** Server addresses in the server namespace (198.19.128.1 on), each listening on every port in `destinationPorts`. */
  readonly destinations: number;
  readonly destinationPorts: readonly number[];
  /**
   * A conntrack table limit for the pods' connections (nftables `ct count over N`, since
   * nf_conntrack_max cannot be written outside the host's namespace); absent or null: none.
   */
  readonly connLimit?: number | null;
  /**
   * Ports allocated to each pod apart, as Azure Load Balancer and GCP Cloud NAT allocate per VM:
   * pod i maps to its own block of this many ports from `natPorts.low` (a rule per pod), and
   * `natPorts` must hold them all. Absent or null: the pods share the whole range.
   */
  readonly portsPerPod?: number | null;
  /**
   * conntrack's TCP timeouts in the router's namespace (seconds, by the sysctl's suffix:
   * `time_wait`, `close`, `established`, ...: net.netfilter.nf_conntrack_tcp_timeout_NAME), set
   * after the rules and read back. Absent: the kernel's defaults.
   */
  readonly conntrackTimeouts?: Readonly<Record<string, number>>;
}

/** The conntrack TCP timeouts a scene may set (net.netfilter.nf_conntrack_tcp_timeout_*). */
export const CONNTRACK_TIMEOUTS = [
  'syn_sent',
  'syn_recv',
  'established',
  'fin_wait',
  'close_wait',
  'last_ack',
  'time_wait',
  'close',
] as const;

/** The scene's addresses, all inside the benchmarking range 198.18.0.0/15 and only inside its namespaces. */
export interface NatAddressPlan {
  readonly pods: readonly string[];
  /** The router's address on the pods' link: their gateway. */
  readonly gateway: string;
  readonly natAddresses: readonly string[];
  readonly servers: readonly string[];
  /** Prefix lengths of the two links (198.18.0.0/16 inside, 198.19.0.0/16 outside). */
  readonly insidePrefix: 16;
  readonly outsidePrefix: 16;
}

/** Limits that keep the address plan inside its /16s. */
const MAX_PODS = 65_000;
const MAX_NAT_ADDRESSES = 32_000;
const MAX_SERVERS = 32_000;

function nth(base: readonly [number, number], index: number): string {
  const n = index + 1;
  return `${base[0]}.${base[1]}.${Math.floor(n / 256)}.${n % 256}`;
}

/** Checks a scene and returns its addresses; a spec that cannot work is a PlanError naming the option, before anything is made. */
export function addressPlanOf(spec: NatSceneSpec): NatAddressPlan {
  const whole = (n: number, name: string, max: number): void => {
    if (!Number.isInteger(n) || n < 1 || n > max) throw new PlanError(name, `${name} ${n}: must be a whole number from 1 to ${max}`);
  };
  whole(spec.pods, '--pods', MAX_PODS);
  whole(spec.natAddresses, '--nat-addresses', MAX_NAT_ADDRESSES);
  whole(spec.destinations, '--destinations', MAX_SERVERS);
  const { low, high } = spec.natPorts;
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535 || low > high)
    throw new PlanError('--nat-ports', `--nat-ports ${low}-${high}: must be LOW-HIGH within 1-65535`);
  if (spec.kind === 'masquerade' && spec.natAddresses !== 1)
    throw new PlanError(
      '--nat-addresses',
      `--nat-addresses ${spec.natAddresses}: masquerade maps to the router's own address, one; use snat for several`,
    );
  if (spec.destinationPorts.length === 0 || spec.destinationPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
    throw new PlanError('--destination-ports', `--destination-ports ${spec.destinationPorts.join(',')}: ports from 1 to 65535`);
  if (spec.connLimit !== undefined && spec.connLimit !== null && (!Number.isInteger(spec.connLimit) || spec.connLimit < 1))
    throw new PlanError('--conn-limit', `--conn-limit ${spec.connLimit}: a whole number of connections, 1 or more`);
  if (spec.portsPerPod !== undefined && spec.portsPerPod !== null) {
    if (!Number.isInteger(spec.portsPerPod) || spec.portsPerPod < 1)
      throw new PlanError('--profile', `ports per pod ${spec.portsPerPod}: a whole number, 1 or more`);
    if (spec.pods * spec.portsPerPod > high - low + 1)
      throw new PlanError(
        '--pods',
        `--pods ${spec.pods}: ${spec.pods} x ${spec.portsPerPod} ports per pod do not fit in ${low}-${high} (${high - low + 1} ports)`,
      );
  }
  for (const [name, sec] of Object.entries(spec.conntrackTimeouts ?? {})) {
    if (!(CONNTRACK_TIMEOUTS as readonly string[]).includes(name))
      throw new PlanError('--profile', `conntrack timeout ${name}: one of ${CONNTRACK_TIMEOUTS.join(', ')}`);
    if (!Number.isInteger(sec) || sec < 1) throw new PlanError('--profile', `conntrack timeout ${name} ${sec}: whole seconds, 1 or more`);
  }
  for (const f of spec.flags)
    if (!NAT_FLAGS.includes(f)) throw new PlanError('--nat-flags', `--nat-flags ${f}: one of ${NAT_FLAGS.join(', ')}`);
  if (spec.flags.includes('random') && spec.flags.includes('fully-random'))
    throw new PlanError(
      '--nat-flags',
      '--nat-flags random,fully-random: choose one (fully-random randomises every port, random the start)',
    );
  return {
    pods: Array.from({ length: spec.pods }, (_, i) => nth([198, 18], i)),
    gateway: '198.18.255.254',
    natAddresses: Array.from({ length: spec.natAddresses }, (_, i) => nth([198, 19], i)),
    servers: Array.from({ length: spec.destinations }, (_, i) => nth([198, 19], 32_768 + i)),
    insidePrefix: 16,
    outsidePrefix: 16,
  };
}
