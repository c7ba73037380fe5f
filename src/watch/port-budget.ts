import { ephemeralRangeOf, portCount } from '../plan/ports.js';
import { countReserved } from '../model/capacity.js';
import type { SysctlValues } from '../model/kernel-settings.js';
import type { PortBudget } from '../result/watch-sample.js';
import { TCP, type SocketRow } from '../sampler/socket-dump.js';

/** True for a socket that holds a port with bind() and no destination: a listener, or bound only. */
export function boundWithoutDestination(row: SocketRow): boolean {
  return row.state === TCP.listen || (row.state === TCP.close && row.destinationPort === 0);
}

/**
 * The ports of ip_local_port_range that connect() can give a source address: less the reserved
 * ones, less those a socket holds with bind() and no destination (on any address: connect()'s
 * search skips a port whose bind bucket bind() made, __inet_hash_connect).
 */
export function portBudgetOf(sysctls: SysctlValues, rows: readonly SocketRow[], seesBoundOnly: boolean): PortBudget {
  const range = ephemeralRangeOf(sysctls['net.ipv4.ip_local_port_range']);
  const reservedList = sysctls['net.ipv4.ip_local_reserved_ports'] ?? '';
  const bound = new Set<number>();
  for (const row of rows) {
    const port = row.sourcePort;
    if (!boundWithoutDestination(row) || port < range.low || port > range.high) continue;
    if (countReserved(reservedList, { low: port, high: port }) === 0) bound.add(port);
  }
  const rangePorts = portCount(range);
  const reservedInRange = countReserved(reservedList, range);
  return {
    low: range.low,
    high: range.high,
    rangePorts,
    reservedInRange,
    boundInRange: bound.size,
    boundSeen: seesBoundOnly ? 'listeners and bound-only sockets' : 'listeners',
    usablePorts: Math.max(0, rangePorts - reservedInRange - bound.size),
  };
}
