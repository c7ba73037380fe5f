import { readEnvironment, type Environment } from '../env/environment.js';
import { BUILTIN_PROFILES } from '../lab/profiles.js';
import { predictCapacity, countReserved } from '../model/capacity.js';
import type { ClosePolicy, PortMode } from '../plan/plan.js';
import { tryBind } from '../preflight.js';
import { OS_DEFAULTS, type OsDefaults } from './os-defaults.js';
import { planCapacity, type CapacityPlan } from './plan-capacity.js';

/** Addresses tried to tell whether all of 127/8 answers. */
const LOOPBACK_PROBES = ['127.0.0.2', '127.1.2.3', '127.254.254.253'];

/** What `portchurn limits` reports. */
export interface LimitsReport {
  readonly environment: Environment;
  readonly loopback: {
    /** Each probed 127/8 address and whether it could be bound. */
    readonly ipv4: readonly { readonly address: string; readonly ok: boolean }[];
    readonly ipv6Loopback: boolean;
    /** ::2 bound as well (it never should on Linux: IPv6 loopback is ::1 alone). */
    readonly ipv6Other: boolean;
  };
  readonly question: { readonly ratePerSec: number | null; readonly close: ClosePolicy; readonly portMode: PortMode; readonly destinations: number };
  /** This host, each built-in profile applied to it, then the other systems' defaults. */
  readonly rows: readonly (CapacityPlan & { readonly kind: 'host' | 'profile' | 'os'; readonly note: string })[];
  readonly osDefaults: readonly OsDefaults[];
}

/** Options of the planning question. */
export interface LimitsOptions {
  readonly ratePerSec?: number | null;
  readonly close?: ClosePolicy;
  readonly portMode?: PortMode;
  readonly destinations?: number;
}

function sysctlNumber(env: Environment, name: keyof Environment['sysctls']): number | null {
  const v = env.sysctls[name];
  return v === null || v === '' ? null : Number(v.split(' ')[0]);
}

/**
 * Reads this host's limits, probes its loopback, and answers the planning question for this
 * host, for each profile and for each other system. The target is taken to be remote (not
 * loopback), as an upstream behind a proxy is, so tcp_tw_reuse=2 does not apply.
 */
export async function readLimits(options: LimitsOptions = {}): Promise<LimitsReport> {
  const environment = await readEnvironment();
  const ipv4 = [];
  for (const address of LOOPBACK_PROBES) ipv4.push({ address, ok: (await tryBind(address)) === null });
  const loopback = { ipv4, ipv6Loopback: (await tryBind('::1')) === null, ipv6Other: (await tryBind('::2')) === null };
  const question = { ratePerSec: options.ratePerSec ?? null, close: options.close ?? 'client', portMode: options.portMode ?? 'bind', destinations: options.destinations ?? 1 };

  const [low = 32768, high = 60999] = (environment.sysctls['net.ipv4.ip_local_port_range'] ?? '').split(' ').map(Number);
  const row = (kind: 'host' | 'profile', name: string, settings: Record<string, string | null>) => {
    const [lo = low, hi = high] = (settings['net.ipv4.ip_local_port_range'] ?? `${low} ${high}`).split(' ').map(Number);
    const model = predictCapacity({
      close: question.close,
      portMode: question.portMode,
      sources: 1,
      destinations: question.destinations,
      loopback: false,
      ephemeralPorts: { low: lo, high: hi },
      reservedPorts: settings['net.ipv4.ip_local_reserved_ports'] ?? environment.sysctls['net.ipv4.ip_local_reserved_ports'] ?? '',
      explicitPorts: null,
      twReuse: Number(settings['net.ipv4.tcp_tw_reuse'] ?? sysctlNumber(environment, 'net.ipv4.tcp_tw_reuse') ?? 2),
      twReuseDelayMs: sysctlNumber(environment, 'net.ipv4.tcp_tw_reuse_delay'),
      timestamps: Number(settings['net.ipv4.tcp_timestamps'] ?? sysctlNumber(environment, 'net.ipv4.tcp_timestamps') ?? 1),
      maxTwBuckets: null,
      durationSec: null,
      offeredRatePerSec: null,
    });
    const usable = model.usablePorts ?? hi - lo + 1 - countReserved(environment.sysctls['net.ipv4.ip_local_reserved_ports'] ?? '', { low: lo, high: hi });
    const plan = planCapacity({
      name,
      usablePorts: usable,
      holdSec: model.holdSec ?? 60,
      destinations: question.destinations,
      portMode: question.portMode,
      close: model.portBound ? 'client' : question.close === 'client' ? 'server' : question.close,
      ratePerSec: question.ratePerSec,
    });
    return { ...plan, kind, note: model.formula };
  };
  const rows = [
    row('host', 'this host', {}),
    ...Object.entries(BUILTIN_PROFILES)
      .filter(([name]) => name !== 'host')
      .map(([name, p]) => row('profile', `profile ${name}`, p.sysctls === 'host' ? {} : (p.sysctls as Record<string, string>))),
    ...OS_DEFAULTS.map((os) => ({
      ...planCapacity({ name: `${os.os} defaults`, usablePorts: os.ephemeralHigh - os.ephemeralLow + 1, holdSec: os.timeWaitSec, destinations: question.destinations, portMode: question.portMode, close: question.close, ratePerSec: question.ratePerSec }),
      kind: 'os' as const,
      note: `${os.ephemeralLow}-${os.ephemeralHigh}, TIME_WAIT ${os.timeWaitSec} s${os.loopbackAliasesNeeded ? ', loopback aliases needed' : ''}`,
    })),
  ];
  return { environment, loopback, question, rows, osDefaults: OS_DEFAULTS };
}
