import { randomInt } from 'node:crypto';
import { readTcpSockets, type TcpSocketEntry } from '../../src/env/proc-net-tcp.js';

/** Sockets of this namespace that match `filter`, read from /proc/net/tcp{,6}. */
export async function socketsWhere(filter: (s: TcpSocketEntry) => boolean): Promise<TcpSocketEntry[]> {
  return (await readTcpSockets()).filter(filter);
}

/** One random third octet per test process: with the block, it keeps each test's addresses its own. */
const RUN_OCTET = randomInt(256);
const PID_OCTET = (process.pid % 120) + 1;

/**
 * A fresh range of `count` loopback addresses for one test (block = second octet, one per test),
 * so TIME_WAIT left by one test, or by an earlier run of the suite, never meets another.
 */
export function testAddresses(block: number, count: number): string {
  return `127.${block}.${RUN_OCTET}.${PID_OCTET}-127.${block}.${RUN_OCTET}.${PID_OCTET + count - 1}`;
}
