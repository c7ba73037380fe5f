import { readFile } from 'node:fs/promises';
import { TCP_COUNTERS, TCPEXT_COUNTERS, type KernelCounters, type KernelCounterDelta } from '../result/environment.js';

/**
 * Parses the header/value line pairs of /proc/net/snmp or /proc/net/netstat
 * (`Tcp: RtoAlgorithm ...` then `Tcp: 1 ...`) into the counters of one section.
 */
export function parseProcCounters(text: string, section: string): Record<string, number> {
  const lines = text.split('\n').filter((l) => l.startsWith(`${section}: `));
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(/\s+/).slice(1);
    const values = lines[i + 1]!.split(/\s+/).slice(1);
    names.forEach((name, k) => {
      const v = Number(values[k]);
      if (name && Number.isFinite(v)) out[name] = v;
    });
  }
  return out;
}

function pick<K extends string>(from: Record<string, number>, names: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const name of names) if (from[name] !== undefined) out[name] = from[name];
  return out;
}

/** Reads the counters of this process's network namespace; null where /proc/net cannot be read. */
export async function readKernelCounters(): Promise<KernelCounters | null> {
  try {
    const [snmp, netstat] = await Promise.all([readFile('/proc/net/snmp', 'utf8'), readFile('/proc/net/netstat', 'utf8')]);
    return { tcp: pick(parseProcCounters(snmp, 'Tcp'), TCP_COUNTERS), tcpExt: pick(parseProcCounters(netstat, 'TcpExt'), TCPEXT_COUNTERS) };
  } catch {
    return null;
  }
}

function diff<K extends string>(before: Partial<Record<K, number>>, after: Partial<Record<K, number>>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const [name, v] of Object.entries(after) as [K, number][]) {
    const b = before[name];
    // Counters are unsigned and may wrap (32-bit on older kernels): a wrapped delta is unknown, left out.
    if (b !== undefined && v >= b) out[name] = v - b;
  }
  return out;
}

/** `after - before`, labelled with whose counters they are. */
export function counterDelta(before: KernelCounters, after: KernelCounters, scope: KernelCounterDelta['scope']): KernelCounterDelta {
  return { scope, tcp: diff(before.tcp, after.tcp), tcpExt: diff(before.tcpExt, after.tcpExt) };
}
