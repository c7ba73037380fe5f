import { ephemeralRangeOf } from '../plan/ports.js';
import type { ModelInput } from './capacity.js';

/** The kernel settings the model reads, as sysctl text (`/proc/sys` values; null or absent: unknown). */
export type SysctlValues = Readonly<Record<string, string | null | undefined>>;

/** A sysctl's leading number, or null when absent or not a number. */
export function sysctlNumber(text: string | null | undefined): number | null {
  if (text === null || text === undefined || text.trim() === '') return null;
  const n = Number(text.trim().split(' ')[0]);
  return Number.isFinite(n) ? n : null;
}

/**
 * The model's kernel inputs from sysctl values: the one place they are read, for a run, an nginx
 * variant and `portchurn limits` alike.
 */
export function kernelSettingsOf(
  s: SysctlValues,
): Pick<ModelInput, 'ephemeralPorts' | 'reservedPorts' | 'twReuse' | 'twReuseDelayMs' | 'timestamps' | 'maxTwBuckets'> {
  return {
    ephemeralPorts: ephemeralRangeOf(s['net.ipv4.ip_local_port_range']),
    reservedPorts: s['net.ipv4.ip_local_reserved_ports'] ?? '',
    twReuse: sysctlNumber(s['net.ipv4.tcp_tw_reuse']),
    twReuseDelayMs: sysctlNumber(s['net.ipv4.tcp_tw_reuse_delay']),
    timestamps: sysctlNumber(s['net.ipv4.tcp_timestamps']),
    maxTwBuckets: sysctlNumber(s['net.ipv4.tcp_max_tw_buckets']),
  };
}
