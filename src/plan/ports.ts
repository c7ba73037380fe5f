import { PlanError } from '../errors.js';

/** An inclusive range of TCP ports. */
export interface PortRange {
  readonly low: number;
  readonly high: number;
}

/** Parses `LO-HI` (inclusive) with 1 <= LO <= HI <= 65535. */
export function parsePortRange(option: string, text: string): PortRange {
  const match = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  const low = match ? Number(match[1]) : NaN;
  const high = match ? Number(match[2]) : NaN;
  if (!match || low < 1 || high > 65535 || low > high) {
    throw new PlanError(option, `${option} '${text}' must be LO-HI with 1 <= LO <= HI <= 65535 (e.g. 61000-65535)`);
  }
  return { low, high };
}

/** Number of ports in the range. */
export function portCount(range: PortRange): number {
  return range.high - range.low + 1;
}

/** True when the two ranges share at least one port. */
export function rangesOverlap(a: PortRange, b: PortRange): boolean {
  return a.low <= b.high && b.low <= a.high;
}

/**
 * The default range for `--port-mode explicit`: the ports above the kernel's ephemeral range
 * (ip_local_port_range) if at least 1,024 are there, else the ports from 1024 up to just below it.
 * Why outside: cycling explicit ports through the kernel's own range takes ports the kernel would
 * hand to every other program; measured here, that left curl failing with EADDRNOTAVAIL.
 */
export function defaultExplicitPorts(ephemeral: PortRange): PortRange | null {
  if (65535 - ephemeral.high >= 1024) return { low: ephemeral.high + 1, high: 65535 };
  if (ephemeral.low - 1024 >= 1024) return { low: 1024, high: ephemeral.low - 1 };
  return null;
}

/** Linux's default ip_local_port_range, and a fresh namespace's starting range. */
const LINUX_DEFAULT_RANGE = { low: 32768, high: 60999 };

/** ip_local_port_range from its text as /proc prints it (`"32768 60999"`); null where absent or unreadable. */
export function portRangeText(text: string | null | undefined): PortRange | null {
  const [low, high] = (text ?? '').split(' ').map(Number);
  return low && high ? { low, high } : null;
}

/** ip_local_port_range from its text as /proc prints it; Linux's default where absent or unreadable. */
export function ephemeralRangeOf(text: string | null | undefined): PortRange {
  return portRangeText(text) ?? LINUX_DEFAULT_RANGE;
}
