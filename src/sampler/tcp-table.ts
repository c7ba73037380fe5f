import { endianness } from 'node:os';
import { TCP_STATES } from '../env/proc-net-tcp.js';
import { ipv6Bytes } from '../plan/addresses.js';
import type { StateCounts } from '../result/sockets.js';

/** Which sockets a sample looks at. */
export interface SampleScope {
  /** The stage's source addresses; empty: any client of the destinations (kernel mode). */
  readonly sources: readonly string[];
  /** The target's listening address:port pairs. */
  readonly destinations: readonly { readonly host: string; readonly port: number }[];
}

/** One read of the socket tables, split into client and server side. */
export interface TableCounts {
  /** Sockets connected to a destination (from a stage source when sources are given), by state. */
  readonly client: StateCounts;
  /** Sockets on a destination address:port other than the listener, by state. */
  readonly server: StateCounts;
  /** Per source (index-aligned with scope.sources): sockets holding a port on that address. */
  readonly portsHeld: number[];
}

const LE = endianness() === 'LE';

function hexByte(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** An address as /proc/net/tcp{,6} prints it: each 32-bit word in host byte order, upper-case hex. */
export function procAddressHex(address: string, littleEndian = LE): string {
  const word = (bytes: number[]): string => (littleEndian ? [...bytes].reverse() : bytes).map(hexByte).join('');
  if (!address.includes(':')) return word(address.split('.').map(Number));
  const bytes = ipv6Bytes(address);
  return [0, 4, 8, 12].map((i) => word(bytes.slice(i, i + 4))).join('');
}

/** A port as /proc prints it. */
export function procPortHex(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

const STATE_NAMES: Record<string, string> = Object.fromEntries(Object.entries(TCP_STATES).map(([n, name]) => [hexByte(Number(n)), name]));

/**
 * Counts one /proc/net/tcp or tcp6 text into `into`, comparing hex fields as printed rather than
 * decoding every address: at 100,000 sockets a sample is a single pass of substring look-ups.
 * The line layout is fixed by the kernel (`%4d: %08X:%04X %08X:%04X %02X ...`).
 */
export function countTable(text: string, scope: CompiledScope, into: TableCounts): void {
  let start = text.indexOf('\n') + 1;
  while (start > 0 && start < text.length) {
    const end = text.indexOf('\n', start);
    const lineEnd = end < 0 ? text.length : end;
    const colon = text.indexOf(':', start);
    if (colon < 0 || colon > lineEnd) break;
    const p = colon + 2;
    const width = text.charCodeAt(p + 8) === 58 /* ':' */ ? 8 : 32;
    const localAddr = text.substr(p, width);
    const localKey = text.substr(p, width + 5);
    const remoteKey = text.substr(p + width + 6, width + 5);
    const state = STATE_NAMES[text.substr(p + 2 * width + 12, 2)] ?? 'UNKNOWN';
    if (state !== 'LISTEN') {
      if (scope.destinations.has(remoteKey) && (scope.sources.size === 0 || scope.sources.has(localAddr))) {
        into.client[state] = (into.client[state] ?? 0) + 1;
      }
      if (scope.destinations.has(localKey)) into.server[state] = (into.server[state] ?? 0) + 1;
      const source = scope.sources.get(localAddr);
      if (source !== undefined) into.portsHeld[source]!++;
    }
    start = lineEnd + 1;
  }
}

/** A scope turned into the hex keys `countTable` compares. */
export interface CompiledScope {
  readonly sources: Map<string, number>;
  readonly destinations: Set<string>;
  readonly sourceCount: number;
}

/** Prepares a scope for `countTable`. */
export function compileScope(scope: SampleScope, littleEndian = LE): CompiledScope {
  return {
    sources: new Map(scope.sources.map((a, i) => [procAddressHex(a, littleEndian), i])),
    destinations: new Set(scope.destinations.map((d) => `${procAddressHex(d.host, littleEndian)}:${procPortHex(d.port)}`)),
    sourceCount: scope.sources.length,
  };
}

/** Empty counts for a scope. */
export function emptyCounts(scope: CompiledScope): TableCounts {
  return { client: {}, server: {}, portsHeld: new Array<number>(scope.sourceCount).fill(0) };
}
