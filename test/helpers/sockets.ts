import { readTcpSockets, type TcpSocketEntry } from '../../src/env/proc-net-tcp.js';

/** Sockets of this namespace that match `filter`, read from /proc/net/tcp{,6}. */
export async function socketsWhere(filter: (s: TcpSocketEntry) => boolean): Promise<TcpSocketEntry[]> {
  return (await readTcpSockets()).filter(filter);
}

/** A fresh loopback block per test file, so TIME_WAIT left by one test never meets another. */
export function testAddresses(block: number, count: number): string {
  return `127.${block}.${(process.pid >> 8) & 255}.${(process.pid & 127) + 1}-127.${block}.${(process.pid >> 8) & 255}.${(process.pid & 127) + count}`;
}
