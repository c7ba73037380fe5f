import { hostPort } from '../plan/addresses.js';
import { readTcpSockets } from './proc-net-tcp.js';
import type { CarryOver } from '../result/environment.js';

/**
 * Counts the TIME_WAIT left by earlier runs that this run will meet (Linux keeps TIME_WAIT 60 s).
 * With bind() a port held on the source address is taken for every destination, so any TIME_WAIT
 * on the address counts, and bind() also slows down searching past them. connect() alone shares
 * a port between destinations, so in kernel mode only TIME_WAIT towards the same destinations
 * (`destinations`, as `host:port`) counts.
 */
export async function countCarryOver(scope: { sources: readonly string[] } | { destinations: readonly string[] }): Promise<CarryOver> {
  const sockets = (await readTcpSockets()).filter((s) => s.state === 'TIME_WAIT');
  if ('sources' in scope) {
    const wanted = new Set(scope.sources);
    return { addresses: scope.sources, timeWait: sockets.filter((s) => wanted.has(s.localAddress)).length };
  }
  const wanted = new Set(scope.destinations);
  const key = hostPort;
  return { addresses: scope.destinations, timeWait: sockets.filter((s) => wanted.has(key(s.remoteAddress, s.remotePort))).length };
}
