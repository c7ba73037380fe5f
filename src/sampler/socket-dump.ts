import { readFileSync } from 'node:fs';
import { canonicalAddress, unmappedIpv4 } from '../plan/addresses.js';
import { PreflightError } from '../errors.js';
import { parseProcNetTcp } from '../env/proc-net-tcp.js';
import type { NativeAddon } from '../addon/addon.js';
import { recordBytes, socketAddressOffset, socketField } from '../addon/abi.js';
import type { SocketSource } from '../result/sockets.js';
import { preferSockDiag } from './socket-reader.js';

/** TCP state numbers (include/net/tcp_states.h) the watch reads. */
export const TCP = { established: 1, timeWait: 6, close: 7, listen: 10 } as const;

/** One TCP socket of this network namespace. */
export interface SocketRow {
  /** The state number, 1-12 as /proc/net/tcp numbers them; a socket bound but not listening nor connected is 7 (CLOSE). */
  readonly state: number;
  readonly source: string;
  readonly sourcePort: number;
  readonly destination: string;
  readonly destinationPort: number;
  /** The pending timer in ms: for TIME_WAIT, how long until the kernel frees the port. */
  readonly timerMs: number;
  /** What tells this connection from a later one on the same 4-tuple: the kernel's cookie (sock_diag), or the 4-tuple (/proc). */
  readonly id: string;
}

/** Every TCP socket of this namespace, read one way. */
export interface SocketDumper {
  readonly via: SocketSource;
  /** True when sockets bound without listening or connecting are in the dump (sock_diag on Linux 6.10 and later). */
  readonly seesBoundOnly: boolean;
  read(): SocketRow[];
}

function addressAt(buffer: Buffer, offset: number, family: number): string {
  if (family === 4) return `${buffer[offset]}.${buffer[offset + 1]}.${buffer[offset + 2]}.${buffer[offset + 3]}`;
  const hextets: string[] = [];
  for (let i = 0; i < 16; i += 2) hextets.push(buffer.readUInt16BE(offset + i).toString(16));
  // A dual-stack socket's IPv4 peer (::ffff:a.b.c.d) is IPv4 traffic: it takes IPv4 ports.
  return unmappedIpv4(canonicalAddress(hextets.join(':')));
}

const SOURCE_AT = socketAddressOffset('source');
const DESTINATION_AT = socketAddressOffset('destination');

/** Decodes the addon's dump: socket records, each field read by its name in abi.json. */
export function decodeSocketDump(buffer: Buffer): SocketRow[] {
  const rows: SocketRow[] = [];
  const bytes = recordBytes('socket');
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let at = 0; at + bytes <= buffer.length; at += bytes) {
    const family = Number(socketField(view, at, 'family'));
    rows.push({
      state: Number(socketField(view, at, 'state')),
      sourcePort: Number(socketField(view, at, 'sourcePort')),
      destinationPort: Number(socketField(view, at, 'destinationPort')),
      timerMs: Number(socketField(view, at, 'timerMs')),
      id: socketField(view, at, 'cookie').toString(36),
      source: addressAt(buffer, at + SOURCE_AT, family),
      destination: addressAt(buffer, at + DESTINATION_AT, family),
    });
  }
  return rows;
}

/** Linux 6.10 added bound-only sockets to sock_diag dumps (TCP_BOUND_INACTIVE). */
export function kernelDumpsBoundOnly(release: string): boolean {
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  return major > 6 || (major === 6 && minor >= 10);
}

/** sock_diag through the addon: binary records, the TIME_WAIT timers in ms, the kernel's cookies. */
export function sockDiagDumper(addon: NativeAddon, kernelRelease: string): SocketDumper {
  return { via: 'sock_diag', seesBoundOnly: kernelDumpsBoundOnly(kernelRelease), read: () => decodeSocketDump(addon.dumpSockets()) };
}

/** /proc/net/tcp and tcp6: no bound-only sockets, the timer in clock ticks (USER_HZ, 100 a second). */
export function procDumper(read: (path: string) => string = (p) => readFileSync(p, 'latin1')): SocketDumper {
  return {
    via: 'proc',
    seesBoundOnly: false,
    read: () =>
      ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((path) => {
        let text: string;
        try {
          text = read(path);
        } catch {
          return []; // no IPv6 in this kernel or namespace
        }
        return parseProcNetTcp(text).map((e) => ({
          state: e.stateNumber,
          source: unmappedIpv4(e.localAddress),
          sourcePort: e.localPort,
          destination: unmappedIpv4(e.remoteAddress),
          destinationPort: e.remotePort,
          timerMs: e.timerTicks * 10,
          id: `${e.localAddress}|${e.localPort}|${e.remoteAddress}|${e.remotePort}`,
        }));
      }),
  };
}

/** sock_diag where the addon is there and the kernel answers (one read is tried), /proc otherwise. */
export function chooseDumper(addon: NativeAddon | null, kernelRelease: string, prefer: 'auto' | SocketSource = 'auto'): SocketDumper {
  if (prefer === 'sock_diag' && addon === null) throw new PreflightError('--via sock_diag needs the native addon, which is not built here');
  return preferSockDiag(prefer, addon && sockDiagDumper(addon, kernelRelease), () => procDumper());
}
