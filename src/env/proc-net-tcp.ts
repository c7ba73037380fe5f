import { endianness } from 'node:os';
import { readFile } from 'node:fs/promises';
import { canonicalAddress } from '../plan/addresses.js';

/** TCP states as the kernel numbers them in /proc/net/tcp (include/net/tcp_states.h). */
export const TCP_STATES = {
  1: 'ESTABLISHED',
  2: 'SYN_SENT',
  3: 'SYN_RECV',
  4: 'FIN_WAIT1',
  5: 'FIN_WAIT2',
  6: 'TIME_WAIT',
  7: 'CLOSE',
  8: 'CLOSE_WAIT',
  9: 'LAST_ACK',
  10: 'LISTEN',
  11: 'CLOSING',
  12: 'NEW_SYN_RECV',
} as const;

/** A TCP state name. */
export type TcpState = (typeof TCP_STATES)[keyof typeof TCP_STATES];

/** One socket line of /proc/net/tcp or /proc/net/tcp6. */
export interface TcpSocketEntry {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly state: TcpState | 'UNKNOWN';
  /** The state as the kernel numbers it. */
  readonly stateNumber: number;
  /** The pending timer (`tm->when`) in clock ticks (USER_HZ): for TIME_WAIT, until the port is freed. */
  readonly timerTicks: number;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** The kernel prints each 32-bit word of the address in host byte order. */
function word(hex: string, littleEndian: boolean): number[] {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return littleEndian ? bytes.reverse() : bytes;
}

function decodeAddress(hex: string, littleEndian: boolean): string {
  if (hex.length === 8) return word(hex, littleEndian).join('.');
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...word(hex.slice(i, i + 8), littleEndian));
  const hextets: string[] = [];
  for (let i = 0; i < 16; i += 2) hextets.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // IPv4-mapped addresses print as such, so they compare with what Node reports.
  if (hextets.slice(0, 5).every((h) => h === '0') && hextets[5] === 'ffff') {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  return canonicalAddress(hextets.join(':'));
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6. Pure; the byte order is a parameter for tests. */
export function parseProcNetTcp(text: string, littleEndian = LITTLE_ENDIAN): TcpSocketEntry[] {
  const entries: TcpSocketEntry[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const [localHex = '', localPortHex = ''] = fields[1]!.split(':');
    const [remoteHex = '', remotePortHex = ''] = fields[2]!.split(':');
    const stateNumber = parseInt(fields[3]!, 16) as keyof typeof TCP_STATES;
    const timer = (fields[5] ?? '').split(':')[1];
    entries.push({
      localAddress: decodeAddress(localHex, littleEndian),
      localPort: parseInt(localPortHex, 16),
      remoteAddress: decodeAddress(remoteHex, littleEndian),
      remotePort: parseInt(remotePortHex, 16),
      state: TCP_STATES[stateNumber] ?? 'UNKNOWN',
      stateNumber,
      timerTicks: timer === undefined ? 0 : parseInt(timer, 16) || 0,
    });
  }
  return entries;
}

/** Reads every TCP socket of this network namespace (IPv4 and IPv6) from /proc. */
export async function readTcpSockets(): Promise<TcpSocketEntry[]> {
  const texts = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((p) => readFile(p, 'utf8').catch(() => '')));
  return texts.flatMap((t) => parseProcNetTcp(t));
}
