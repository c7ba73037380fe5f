import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** What one native generator thread is given (see src/native/glue.c). */
export interface NativeConfig {
  readonly destinations: readonly { readonly host: string; readonly port: number }[];
  /** This thread's source addresses; empty in kernel mode. */
  readonly sources: readonly string[];
  readonly portMode: 'kernel' | 'bind' | 'nobind' | 'explicit';
  readonly explicitLow?: number;
  readonly explicitHigh?: number;
  readonly skipPorts?: readonly number[];
  /** IP_LOCAL_PORT_RANGE for every socket. */
  readonly socketPortLow?: number;
  readonly socketPortHigh?: number;
  readonly request: Buffer | null;
  /** 1: frame HTTP/1.x responses; 0: raw TCP. */
  readonly http: 0 | 1;
  readonly expectBytes: number;
  readonly headRequest: 0 | 1;
  /** keepalive: the next request on the same connection until the server asks to close (HTTP only). */
  readonly close: 'client' | 'server' | 'reset' | 'keepalive';
  /** Closed loop: in flight; open loop: the most in flight. */
  readonly connections: number;
  /** Open loop when > 0. */
  readonly ratePerSec: number;
  readonly startMs: number;
  /** -1: no bound. */
  readonly durationMs: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly graceMs: number;
}

/** One drain of a thread's finished attempts. */
export interface NativeDrain {
  /** pc_record array (64 bytes each), or null when none finished since the last drain. */
  readonly records: ArrayBuffer | null;
  readonly finished: boolean;
  readonly attempts: number;
  readonly inFlight: number;
  /** When the thread finished (NaN before). */
  readonly endMs: number;
  /** Set when the loop itself failed (epoll_wait). */
  readonly failedErrno: number;
}

/** Socket counts from netlink sock_diag, by TCP state number (index 1-12). */
export interface NativeSocketCounts {
  readonly client: number[];
  readonly server: number[];
  /** Per source, in the scope's order: sockets holding a port on that address. */
  readonly portsHeld: number[];
  /** Every socket the kernel's dump returned (listeners left out). */
  readonly sockets: number;
}

/** The addon's functions. */
export interface NativeAddon {
  start(config: NativeConfig): object;
  drain(handle: object): NativeDrain;
  stop(handle: object): void;
  /** Counts sockets for a sampler scope; throws (code ENOSOCKDIAG) where the kernel has no tcp_diag. */
  countSockets(scope: { sources: string[]; destinations: { host: string; port: number }[] }): NativeSocketCounts;
  /** Every TCP socket of this namespace as 56-byte records (src/native/socket_dump.h); throws like countSockets. */
  dumpSockets(): Buffer;
  /** CLOCK_MONOTONIC in ms: the clock every native timing is on. */
  nowMs(): number;
  readonly recordBytes: number;
}

/** Where `npm install` puts the addon: build/Release beside package.json. */
export const ADDON_PATH = fileURLToPath(new URL('../../../../build/Release/portchurn_native.node', import.meta.url));

let loaded: { addon: NativeAddon } | { addon: null; reason: string } | null = null;

/**
 * The native engine, or why it is not there (not built, another platform, switched off with
 * PORTCHURN_NATIVE=off). Loaded once.
 */
export function loadNative(): { addon: NativeAddon } | { addon: null; reason: string } {
  if (loaded) return loaded;
  if (process.env.PORTCHURN_NATIVE === 'off') return (loaded = { addon: null, reason: 'switched off with PORTCHURN_NATIVE=off' });
  if (!existsSync(ADDON_PATH))
    return (loaded = { addon: null, reason: `not built (no ${ADDON_PATH}; npm install builds it, and says why when it cannot)` });
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
    if (addon.recordBytes !== 64)
      return (loaded = {
        addon: null,
        reason: `the built addon has ${addon.recordBytes}-byte records, this code reads 64: rebuild with npm install`,
      });
    return (loaded = { addon });
  } catch (error) {
    return (loaded = { addon: null, reason: `cannot load ${ADDON_PATH}: ${(error as Error).message.split('\n')[0]}` });
  }
}
