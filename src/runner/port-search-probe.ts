import { release } from 'node:os';
import { loadNative } from '../addon/addon.js';
import { namespaceUnavailable } from '../env/namespace-support.js';
import { calibrationOf } from '../model/port-search.js';
import type { PortSearchCalibration } from '../result/prediction.js';
import { runJobInNamespace } from './run-in-namespace.js';
import type { ProbeStep } from './stage-protocol.js';

/** Calls made past the fall at each size: enough for a median of the walk's cost. */
const PAST_FALL = 30;

/**
 * The probe's steps, none sharing a port: connect() over ranges of 2,048 and 16,384 ports, each
 * filled to half and a little past (where the fall comes, and what a walk costs per port past it:
 * the longer the walk, the more of it misses the caches), and bind(addr, 0) over 2,048 ports filled
 * to half (its fall comes at a quarter; past it the cost grows with the ports held). Filling the
 * halves is most of its time (about 50 µs a connection here, whatever the call).
 */
export const PROBE_STEPS: readonly ProbeStep[] = [
  { call: 'connect', range: '20000 22047', count: 1024 + PAST_FALL },
  { call: 'connect', range: '22048 38431', count: 8192 + PAST_FALL },
  { call: 'bind', range: '38432 40479', count: 1024 },
];

/** The calibration, or why there is none. */
export interface ProbeOutcome {
  readonly calibration: PortSearchCalibration | null;
  /** Why the port search is not calibrated; null when it is. */
  readonly why: string | null;
}

let cached: Promise<ProbeOutcome> | null = null;

/**
 * Measures this kernel's port search once per process (a run, a sweep, a lab): in a private
 * namespace of its own with tcp_tw_reuse 0, loopback connections closed by the client first, each
 * searching call timed by the native addon (PROBE_STEPS; well under a second here, half of it the
 * walks past the fall). The namespace and every TIME_WAIT it made go with the child. Without a
 * namespace or the addon: no calibration, and why.
 */
export function probePortSearch(): Promise<ProbeOutcome> {
  cached ??= probeOnce();
  return cached;
}

async function probeOnce(): Promise<ProbeOutcome> {
  const native = loadNative();
  if (!native.addon) return { calibration: null, why: `the probe needs the native addon, which is ${native.reason}` };
  const noNamespace = namespaceUnavailable();
  if (noNamespace) return { calibration: null, why: `the probe needs a namespace of its own: ${noNamespace}` };
  try {
    const out = await runJobInNamespace<{ steps: number[][]; tookMs: number }>(
      { kind: 'probe', steps: PROBE_STEPS },
      { 'net.ipv4.tcp_tw_reuse': '0', 'net.ipv4.tcp_timestamps': '1' },
    );
    const sizes = PROBE_STEPS.map((s) => {
      const [lo, hi] = s.range.split(' ').map(Number);
      return hi! - lo! + 1;
    });
    const connect = PROBE_STEPS.flatMap((s, i) => (s.call === 'connect' ? [{ rangePorts: sizes[i]!, ns: out.steps[i]! }] : []));
    const bindAt = PROBE_STEPS.findIndex((s) => s.call === 'bind');
    return {
      calibration: calibrationOf(connect, { rangePorts: sizes[bindAt]!, ns: out.steps[bindAt]! }, release(), out.tookMs),
      why: null,
    };
  } catch (error) {
    return { calibration: null, why: `the probe failed: ${(error as Error).message}` };
  }
}
