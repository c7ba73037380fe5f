import type { ClosePolicy, PortMode } from '../plan/plan.js';
import { portCount, type PortRange } from '../plan/ports.js';
import type { Prediction } from '../result/prediction.js';

/** Linux keeps TIME_WAIT for a fixed 60 s (TCP_TIMEWAIT_LEN); no sysctl changes it. */
export const TIME_WAIT_SEC = 60;

/** What the model needs: the stage's shape and the kernel settings read at run time. */
export interface ModelInput {
  readonly close: ClosePolicy;
  readonly portMode: PortMode;
  /** Source addresses (kernel mode: 1, the route's own). */
  readonly sources: number;
  /** Destination address:port pairs. */
  readonly destinations: number;
  /** The target is on loopback (tcp_tw_reuse=2 applies there only). */
  readonly loopback: boolean;
  readonly ephemeralPorts: PortRange;
  /** net.ipv4.ip_local_reserved_ports as printed (`8080,9000-9010`), or empty. */
  readonly reservedPorts: string;
  readonly explicitPorts: PortRange | null;
  readonly twReuse: number | null;
  readonly twReuseDelayMs: number | null;
  readonly timestamps: number | null;
  readonly maxTwBuckets: number | null;
  /** How long the stage ran, for the ceiling; null for the sustained rate alone. */
  readonly durationSec: number | null;
  /** Open loop: what was offered; the ceiling never exceeds it. */
  readonly offeredRatePerSec: number | null;
}

/**
 * Whether connect() takes over a TIME_WAIT port (tcp_twsk_unique): tcp_tw_reuse=1, or 2 where the
 * connection is on loopback (its source or destination), and TCP timestamps on (the check needs
 * the TIME_WAIT's last timestamp). bind() with a port never does.
 */
export function connectReusesTimeWait(twReuse: number | null, timestamps: number | null, loopback: boolean): boolean {
  return timestamps !== 0 && (twReuse === 1 || (twReuse === 2 && loopback));
}

/** How long a port stays taken after its connection closed when connect() reuses TIME_WAIT: tcp_tw_reuse_delay (1 s before Linux 6.13). */
export function portHoldSec(twReuseDelayMs: number | null): number {
  return (twReuseDelayMs ?? 1000) / 1000;
}

/** Counts the ports of a reserved-ports list (`8080,9000-9010`) that fall inside `range`. */
export function countReserved(list: string, range: PortRange): number {
  let n = 0;
  for (const item of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [lo, hi = lo] = item.split('-').map(Number);
    if (lo === undefined || hi === undefined || Number.isNaN(lo) || Number.isNaN(hi)) continue;
    n += Math.max(0, Math.min(hi, range.high) - Math.max(lo, range.low) + 1);
  }
  return n;
}

function notPortBound(formula: string, notes: string[] = []): Prediction {
  return {
    portBound: false,
    usablePorts: null,
    tuples: null,
    holdSec: null,
    sustainedPerSec: null,
    ceilingOk: null,
    ceilingPerSec: null,
    limitedBy: null,
    formula,
    notes,
  };
}

/**
 * Predicts how many new connections per second the 4-tuple space sustains, and the most a stage
 * of this length can complete. Pure: every kernel setting comes in through `input`.
 */
export function predictCapacity(input: ModelInput): Prediction {
  if (input.close === 'server')
    return notPortBound('not port-bound: the server closes first and keeps the TIME_WAIT; client ports come free at once');
  if (input.close === 'reset') return notPortBound('not port-bound: RST leaves no TIME_WAIT on either side');
  if (input.close === 'keepalive') return notPortBound('not port-bound: connections are reused');
  const timestamps = input.timestamps !== 0;
  if (input.portMode === 'explicit' && timestamps) {
    // tcp_twsk_unique() lets a socket whose port was bound by hand take over a TIME_WAIT
    // 4-tuple at once when timestamps are on, whatever tcp_tw_reuse says.
    return notPortBound('not port-bound: with TCP timestamps on, an explicitly bound port takes over a TIME_WAIT 4-tuple at once', [
      'set net.ipv4.tcp_timestamps=0 (in a namespace) to see explicit ports exhaust',
    ]);
  }
  const notes: string[] = [];
  let usablePorts: number;
  if (input.portMode === 'explicit' && input.explicitPorts) {
    usablePorts = portCount(input.explicitPorts);
  } else {
    const reserved = countReserved(input.reservedPorts, input.ephemeralPorts);
    usablePorts = portCount(input.ephemeralPorts) - reserved;
    if (reserved > 0) notes.push(`${reserved} ports of ip_local_port_range are reserved (ip_local_reserved_ports)`);
  }
  const sources = input.portMode === 'kernel' ? 1 : input.sources;
  // bind(addr, 0) reserves the port for that address whatever the destination, so extra
  // destinations add nothing; connect() and explicit ports count the full 4-tuple.
  const destinations = input.portMode === 'bind' ? 1 : input.destinations;
  const tuples = sources * usablePorts * destinations;
  // connect() picks the port in kernel and nobind modes (IP_BIND_ADDRESS_NO_PORT leaves it to
  // connect()), so tcp_tw_reuse applies to both; bind(addr, 0) and explicit ports never use it.
  const connectPicks = input.portMode === 'kernel' || input.portMode === 'nobind';
  const reuse = connectPicks && connectReusesTimeWait(input.twReuse, input.timestamps, input.loopback);
  const holdSec = reuse ? portHoldSec(input.twReuseDelayMs) : TIME_WAIT_SEC;
  if (connectPicks) notes.push('connect() tries even ports first and leaves odd ones to bind(); all count here');
  if (input.portMode === 'nobind') notes.push('nobind: the address is bound, the port left to connect(): ports count per destination');
  if (reuse)
    notes.push(
      `tcp_tw_reuse=${input.twReuse}${input.twReuse === 2 ? ' (loopback)' : ''}: connect() takes over a TIME_WAIT port after ${holdSec} s`,
    );
  else if (input.portMode === 'bind' && (input.twReuse ?? 0) > 0) notes.push('bind() does not use tcp_tw_reuse');
  if (input.maxTwBuckets !== null && tuples > input.maxTwBuckets) {
    return notPortBound(
      `not port-bound: tcp_max_tw_buckets=${input.maxTwBuckets} < ${tuples} usable 4-tuples; past the cap sockets skip TIME_WAIT and free their port at once`,
      notes,
    );
  }
  const sustainedPerSec = tuples / holdSec;
  const formula = `${sources} source${sources === 1 ? '' : 's'} x ${usablePorts} ports${destinations > 1 ? ` x ${destinations} destinations` : ''} / ${holdSec} s = ${Math.round(sustainedPerSec * 10) / 10}/s sustained`;
  let ceilingOk: number | null = null;
  let ceilingPerSec: number | null = null;
  let limitedBy: 'ports' | 'offered' = 'ports';
  if (input.durationSec !== null && input.durationSec > 0) {
    ceilingOk = tuples * (Math.floor(input.durationSec / holdSec) + 1);
    const offered = input.offeredRatePerSec === null ? Infinity : Math.ceil(input.offeredRatePerSec * input.durationSec);
    if (offered < ceilingOk) {
      ceilingOk = offered;
      limitedBy = 'offered';
    }
    ceilingPerSec = ceilingOk / input.durationSec;
  }
  return { portBound: true, usablePorts, tuples, holdSec, sustainedPerSec, ceilingOk, ceilingPerSec, limitedBy, formula, notes };
}
