import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { abiMismatch, type BuiltAbi } from './abi.js';
import type { NativeConfig, NativeTargetConfig } from './configs.js';

/** One drain of a thread's finished attempts (abi.json's `drain`). */
export interface NativeDrain {
  /** Attempt records (abi.json's records.attempt), or null when none finished since the last drain. */
  readonly records: ArrayBuffer | null;
  readonly finished: boolean;
  readonly attempts: number;
  readonly inFlight: number;
  /** When the thread finished (NaN before). */
  readonly endMs: number;
  /** Set when the loop itself failed (epoll_wait). */
  readonly failedErrno: number;
  /** Attempts the thread counted whose record it could not keep (out of memory). */
  readonly lostRecords: number;
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
  /** Starts a generator thread; throws a TypeError or RangeError naming the field for a bad configuration. */
  start(config: NativeConfig): object;
  drain(handle: object): NativeDrain;
  stop(handle: object): void;
  /** Counts sockets for a sampler scope; throws (code ENOSOCKDIAG) where the kernel has no tcp_diag. */
  countSockets(scope: { sources: string[]; destinations: { host: string; port: number }[] }): NativeSocketCounts;
  /** Every TCP socket of this namespace as socket records (abi.json's records.socket); throws like countSockets. */
  dumpSockets(): Buffer;
  /** CLOCK_MONOTONIC in ms: the clock every native timing is on. */
  nowMs(): number;
  /** Starts the built-in target's threads, listening when it returns; throws (code EADDRINUSE, ...) when it cannot listen. */
  targetStart(config: NativeTargetConfig): {
    readonly handle: object;
    readonly addresses: readonly { readonly host: string; readonly port: number }[];
  };
  /** The target's counts as JSON text (abi.json's targetStats), as its stats endpoint serves them. */
  targetStats(handle: object): string;
  /** Closes every connection and listener and joins the threads; the counts stay readable. */
  targetStop(handle: object): void;
  /**
   * Opens another network namespace (/proc/PID/ns/net, /run/netns/NAME) from inside it: a sock_diag
   * socket and the /proc/sys `files`, which stay that namespace's. Throws with code EPERM (no
   * CAP_SYS_ADMIN), EACCES or ENOENT.
   */
  netnsOpen(path: string, files: readonly string[]): { readonly handle: object; readonly inode: number };
  /** Every TCP socket of that namespace, as dumpSockets gives this one's. */
  netnsDump(handle: object): Buffer;
  /** The text of files[index] as that namespace has it; null when the kernel has no such file. */
  netnsRead(handle: object, index: number): string | null;
  netnsClose(handle: object): void;
  /**
   * That namespace's conntrack through ctnetlink: its statistics summed over CPUs and its NAT
   * mappings counted per (NAT address, destination, port) by TCP state, streamed from a dump (layout
   * in src/native/kernel/ct_glue.c, read by env/conntrack.ts). Throws where conntrack cannot be read.
   */
  netnsConntrack(handle: object): Buffer;
  /**
   * The port-search probe (src/native/kernel/port_probe.c): up to `count` loopback connections
   * closed by the client first, the ns of each searching call (connect(), or bind(addr, 0)) in an
   * ArrayBuffer of u32, fewer when the range ran out. Fills the range: only in a namespace made for it.
   */
  probePortSearch(call: 'connect' | 'bind', count: number): ArrayBuffer;
  /** The layout this build has, compared with abi.json at load. */
  readonly abi: BuiltAbi;
}

/** Where `npm install` puts the addon: build/Release beside package.json. */
export const ADDON_PATH = fileURLToPath(new URL('../../../build/Release/portchurn_native.node', import.meta.url));

let loaded: { addon: NativeAddon } | { addon: null; reason: string } | null = null;

/**
 * The native engine, or why it is not there (not built, another platform, switched off with
 * PORTCHURN_NATIVE=off, built from another abi.json than this code reads). Loaded once.
 */
export function loadNative(): { addon: NativeAddon } | { addon: null; reason: string } {
  if (loaded) return loaded;
  if (process.env.PORTCHURN_NATIVE === 'off') return (loaded = { addon: null, reason: 'switched off with PORTCHURN_NATIVE=off' });
  if (!existsSync(ADDON_PATH))
    return (loaded = { addon: null, reason: `not built (no ${ADDON_PATH}; npm install builds it, and says why when it cannot)` });
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
    const mismatch = abiMismatch(addon.abi);
    if (mismatch)
      return (loaded = { addon: null, reason: `built from another src/native/api/abi.json: ${mismatch}; rebuild it with npm install` });
    return (loaded = { addon });
  } catch (error) {
    return (loaded = { addon: null, reason: `cannot load ${ADDON_PATH}: ${(error as Error).message.split('\n')[0]}` });
  }
}
