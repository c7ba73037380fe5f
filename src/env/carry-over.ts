import { readTcpSockets } from './proc-net-tcp.js';

/** TIME_WAIT sockets already held by the run's source addresses before its first connection. */
export interface CarryOver {
  /** The addresses looked at: the sources, or in kernel mode the address the kernel will pick. */
  readonly addresses: readonly string[];
  readonly timeWait: number;
}

/**
 * Counts the TIME_WAIT sockets whose local address is one of `addresses`. They are left by
 * earlier runs (Linux keeps TIME_WAIT for 60 s) and they change what this run measures: their
 * ports are not free to bind(), and bind() slows down as it searches past them.
 */
export async function countCarryOver(addresses: readonly string[]): Promise<CarryOver> {
  const wanted = new Set(addresses);
  let timeWait = 0;
  for (const s of await readTcpSockets()) if (s.state === 'TIME_WAIT' && wanted.has(s.localAddress)) timeWait++;
  return { addresses, timeWait };
}
