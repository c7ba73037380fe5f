import { readFileSync } from 'node:fs';
import { TCP_STATES } from '../env/proc-net-tcp.js';
import type { NativeAddon } from '../addon/addon.js';
import { compileScope, countTable, emptyCounts, type SampleScope, type TableCounts } from './tcp-table.js';
import type { SocketSource, StateCounts } from '../result/sockets.js';

/** Reads the socket tables for one scope. */
export interface SocketReader {
  readonly via: SocketSource;
  read(): TableCounts;
}

/** /proc/net/tcp and tcp6 as text, counted with the hex comparisons of tcp-table.ts. */
export function procReader(scope: SampleScope): SocketReader {
  const compiled = compileScope(scope);
  return {
    via: 'proc',
    read: () => {
      const counts = emptyCounts(compiled);
      for (const path of ['/proc/net/tcp', '/proc/net/tcp6']) {
        let text = '';
        try {
          text = readFileSync(path, 'latin1');
        } catch {
          continue; // no IPv6 in this kernel or namespace
        }
        countTable(text, compiled, counts);
      }
      return counts;
    },
  };
}

/** Counts by state number (index) as state names, leaving out the zeros as the /proc reader does. */
function byName(counts: readonly number[]): StateCounts {
  const out: StateCounts = {};
  counts.forEach((n, state) => {
    if (n > 0) out[TCP_STATES[state as keyof typeof TCP_STATES] ?? 'UNKNOWN'] = n;
  });
  return out;
}

/** Netlink sock_diag: the kernel's binary records, counted in C (src/native/kernel/socket_count.c). */
export function sockDiagReader(addon: NativeAddon, scope: SampleScope): SocketReader {
  const plain = { sources: [...scope.sources], destinations: scope.destinations.map((d) => ({ host: d.host, port: d.port })) };
  return {
    via: 'sock_diag',
    read: () => {
      const c = addon.countSockets(plain);
      return { client: byName(c.client), server: byName(c.server), portsHeld: c.portsHeld };
    },
  };
}

/**
 * sock_diag where the addon is there and the kernel answers (one read is tried), /proc otherwise;
 * `prefer: 'proc'` always reads /proc.
 */
export function chooseReader(scope: SampleScope, addon: NativeAddon | null, prefer: 'auto' | SocketSource = 'auto'): SocketReader {
  return preferSockDiag(prefer, addon && sockDiagReader(addon, scope), () => procReader(scope));
}

/**
 * The sock_diag reader when there is one and one read works, else the /proc one (`prefer: 'proc'`
 * always; `prefer: 'sock_diag'` throws what the read threw instead of falling back).
 */
export function preferSockDiag<R extends { read(): unknown }>(prefer: 'auto' | SocketSource, diag: R | null, proc: () => R): R {
  if (prefer === 'proc' || diag === null) return proc();
  try {
    diag.read();
    return diag;
  } catch (error) {
    if (prefer === 'sock_diag') throw error;
    return proc();
  }
}
