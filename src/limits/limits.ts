import { readEnvironment } from '../env/environment.js';
import { BUILTIN_PROFILES } from '../env/profiles.js';
import { predictCapacity, countReserved } from '../model/capacity.js';
import { kernelSettingsOf } from '../model/kernel-settings.js';
import type { ClosePolicy, PortMode } from '../plan/plan.js';
import { tryBind } from '../runner/preflight.js';
import { OS_DEFAULTS } from './os-defaults.js';
import { fastShare, planCapacity } from './plan-capacity.js';
import { natProfiles, planNat } from './nat-profiles.js';
import { PlanError } from '../errors.js';
import { bindProbes, searchingCall, walkNsPerPort } from '../model/port-search.js';
import type { PortSearchCalibration } from '../result/prediction.js';
import { probePortSearch } from '../runner/port-search-probe.js';
import type { LimitsReport } from '../result/limits-report.js';

/** Addresses tried to tell whether all of 127/8 answers. */
const LOOPBACK_PROBES = ['127.0.0.2', '127.1.2.3', '127.254.254.253'];

/** Who closes first, as the planning question takes it (keepalive opens no new connections). */
export const LIMITS_CLOSE_POLICIES = ['client', 'server', 'reset'] as const satisfies readonly ClosePolicy[];
/** The port paths the planning question knows. */
export const LIMITS_PORT_MODES = ['kernel', 'bind', 'nobind'] as const satisfies readonly PortMode[];

/**
 * The planning question's defaults, stated once: a proxy that fixes its source address and leaves
 * the port to connect() (nginx proxy_bind, HAProxy source: nobind, the default sweep's path)
 * towards one upstream.
 */
export const LIMITS_DEFAULTS = { close: 'client', portMode: 'nobind', destinations: 1 } as const;

/** Options of the planning question. */
export interface LimitsOptions {
  readonly ratePerSec?: number | null;
  readonly close?: (typeof LIMITS_CLOSE_POLICIES)[number];
  readonly portMode?: (typeof LIMITS_PORT_MODES)[number];
  readonly destinations?: number;
  /** Probe this kernel's port search in a namespace of its own (about half a second). Default true. */
  readonly probe?: boolean;
  /** NAT profiles to plan for (`all`, or names from natProfiles); none by default. */
  readonly nat?: readonly string[];
  /** Connections open at once, for the NAT planning (a NAT that takes closed mappings back counts these). */
  readonly open?: number | null;
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
  const question = {
    ratePerSec: options.ratePerSec ?? null,
    close: options.close ?? LIMITS_DEFAULTS.close,
    portMode: options.portMode ?? LIMITS_DEFAULTS.portMode,
    destinations: options.destinations ?? LIMITS_DEFAULTS.destinations,
  };

  const row = (kind: 'host' | 'profile', name: string, settings: Record<string, string | null>) => {
    // The profile's settings over this host's; what neither says reads as Linux's default.
    const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== null));
    const kernel = kernelSettingsOf({ ...environment.sysctls, ...given });
    const { low: lo, high: hi } = kernel.ephemeralPorts;
    const model = predictCapacity({
      ...kernel,
      twReuse: kernel.twReuse ?? 2,
      timestamps: kernel.timestamps ?? 1,
      maxTwBuckets: null,
      close: question.close,
      portMode: question.portMode,
      sources: 1,
      destinations: question.destinations,
      loopback: false,
      explicitPorts: null,
      durationSec: null,
      offeredRatePerSec: null,
    });
    const usable =
      model.usablePorts ??
      hi - lo + 1 - countReserved(environment.sysctls['net.ipv4.ip_local_reserved_ports'] ?? '', { low: lo, high: hi });
    const plan = planCapacity({
      name,
      usablePorts: usable,
      holdSec: model.holdSec ?? 60,
      destinations: question.destinations,
      portMode: question.portMode,
      close: model.portBound ? 'client' : question.close === 'client' ? 'server' : question.close,
      ratePerSec: question.ratePerSec,
      linuxSearch: true,
    });
    return { ...plan, kind, note: model.formula };
  };
  const rows = [
    row('host', 'this host', {}),
    ...Object.entries(BUILTIN_PROFILES)
      .filter(([name]) => name !== 'host')
      .map(([name, p]) => row('profile', `profile ${name}`, p.sysctls === 'host' ? {} : (p.sysctls as Record<string, string>))),
    ...OS_DEFAULTS.map((os) => ({
      ...planCapacity({
        name: `${os.os} defaults`,
        usablePorts: os.ephemeralHigh - os.ephemeralLow + 1,
        holdSec: os.timeWaitSec,
        destinations: question.destinations,
        portMode: question.portMode,
        close: question.close,
        ratePerSec: question.ratePerSec,
        linuxSearch: os.os === 'Linux',
      }),
      kind: 'os' as const,
      note: `${os.ephemeralLow}-${os.ephemeralHigh}, TIME_WAIT ${os.timeWaitSec} s${os.loopbackAliasesNeeded ? ', loopback aliases needed' : ''}`,
    })),
  ];
  const probe = options.probe === false ? { calibration: null, why: 'not probed (--no-probe)' } : await probePortSearch();
  const host = rows[0]!;
  return {
    environment,
    loopback,
    question,
    rows,
    osDefaults: OS_DEFAULTS,
    portSearch: probe.calibration,
    portSearchWhy: probe.why,
    slowCallUs: probe.calibration === null ? null : slowCallUs(probe.calibration, question.portMode, host.usablePorts),
    ...(options.nat && options.nat.length > 0 ? { nat: natPlanning(options, question, environment.kernelRelease) } : {}),
  };
}

/** The NAT rows for the profiles asked for; an unknown name is a PlanError naming the known ones. */
function natPlanning(
  options: LimitsOptions,
  question: { ratePerSec: number | null; destinations: number },
  kernel: string,
): NonNullable<LimitsReport['nat']> {
  const all = natProfiles(kernel);
  const asked = options.nat!.includes('all')
    ? all
    : options.nat!.map((name) => {
        const p = all.find((x) => x.name === name);
        if (!p) throw new PlanError('--nat', `--nat ${name}: one of ${all.map((x) => x.name).join(', ')}, or all`);
        return p;
      });
  const load = { ratePerSec: question.ratePerSec, open: options.open ?? null, destinations: question.destinations };
  return { question: load, rows: asked.map((p) => planNat(p, load)) };
}

/** What one searching call costs past the fast budget on this host's range, from the probe (µs). */
function slowCallUs(cal: PortSearchCalibration, portMode: PortMode, usablePorts: number): number | null {
  const share = Math.floor(usablePorts * fastShare(portMode));
  if (searchingCall(portMode) === 'bind')
    return cal.bind.nsPerProbe === null ? null : (bindProbes(share, share) * cal.bind.nsPerProbe) / 1000;
  const ns = walkNsPerPort(cal, share);
  return ns === null ? null : Math.round((share * ns) / 100) / 10;
}
