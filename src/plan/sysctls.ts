import { PlanError } from '../errors.js';

/** The settings a namespace stage may set: all are per network namespace in Linux. */
export const NAMESPACE_SYSCTLS = [
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_tw_reuse',
  'net.ipv4.tcp_tw_reuse_delay',
  'net.ipv4.tcp_max_tw_buckets',
  'net.ipv4.tcp_timestamps',
] as const;

/** One of NAMESPACE_SYSCTLS. */
export type NamespaceSysctl = (typeof NAMESPACE_SYSCTLS)[number];

/** Settings to write inside a namespace, by name. */
export type SysctlSet = Partial<Record<NamespaceSysctl, string>>;

function integer(name: string, value: string, min: number, max: number): string {
  const text = value.trim();
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new PlanError('--sysctl', `--sysctl ${name}=${value}: must be a whole number from ${min} to ${max}`);
  }
  return String(Number(text));
}

/** Checks one value and returns it as the kernel expects it. */
export function normaliseSysctl(name: string, value: string): string {
  switch (name) {
    case 'net.ipv4.ip_local_port_range': {
      const m = /^\s*(\d+)[\s,:-]+(\d+)\s*$/.exec(value);
      const lo = m ? Number(m[1]) : NaN;
      const hi = m ? Number(m[2]) : NaN;
      if (!m || lo < 1 || hi > 65535) throw new PlanError('--sysctl', `--sysctl ${name}="${value}": must be "LOW HIGH" within 1-65535`);
      if (lo > hi) throw new PlanError('--sysctl', `--sysctl ${name}="${value}": the range is reversed`);
      if (lo === hi) throw new PlanError('--sysctl', `--sysctl ${name}="${value}": a range needs at least 2 ports`);
      return `${lo} ${hi}`;
    }
    case 'net.ipv4.ip_local_reserved_ports': {
      const text = value.trim();
      if (text === '') return '';
      for (const item of text.split(',')) {
        const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(item);
        if (!m || Number(m[1]) > 65535 || Number(m[2] ?? m[1]) > 65535 || Number(m[2] ?? m[1]) < Number(m[1])) {
          throw new PlanError('--sysctl', `--sysctl ${name}="${value}": must be a list of ports and LOW-HIGH ranges`);
        }
      }
      return text.replace(/\s+/g, '');
    }
    case 'net.ipv4.tcp_tw_reuse':
      return integer(name, value, 0, 2);
    case 'net.ipv4.tcp_tw_reuse_delay':
      return integer(name, value, 1, 600_000);
    case 'net.ipv4.tcp_max_tw_buckets':
      return integer(name, value, 0, 2 ** 31 - 1);
    case 'net.ipv4.tcp_timestamps':
      return integer(name, value, 0, 2);
    default:
      throw new PlanError('--sysctl', `--sysctl ${name}: not a setting portchurn sets in a namespace (${NAMESPACE_SYSCTLS.join(', ')})`);
  }
}

/** Parses repeated `--sysctl name=value` (or `name="value"`). Later ones win. */
export function parseSysctls(assignments: readonly string[]): SysctlSet {
  const out: SysctlSet = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq < 1) throw new PlanError('--sysctl', `--sysctl '${assignment}' must be NAME=VALUE (net.ipv4.tcp_tw_reuse=0)`);
    const name = assignment.slice(0, eq).trim().replace(/\//g, '.');
    const value = assignment.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    out[name as NamespaceSysctl] = normaliseSysctl(name, value);
  }
  return out;
}

/** Sets `ip_local_port_range` to `count` ports starting at 40000 (the port-range axis). */
export function portRangeOf(count: number): string {
  if (!Number.isSafeInteger(count) || count < 2 || count > 25_536)
    throw new PlanError('--values', `--values ${count}: a port range axis value must be 2 to 25536 ports`);
  return `40000 ${40000 + count - 1}`;
}

/** The sysctls that decide how many connections a source address can make (and the accept queue). */
export const SYSCTLS = [...NAMESPACE_SYSCTLS, 'net.core.somaxconn'] as const;

/** A profile resolved to the settings it writes. */
export interface Profile {
  readonly name: string;
  readonly description: string;
  readonly sysctls: SysctlSet;
}
