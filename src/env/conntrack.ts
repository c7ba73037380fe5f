import { loadNative } from '../addon/addon.js';
import {
  CONNTRACK_STAT_NAMES,
  CONNTRACK_TCP_STATES,
  type ConntrackSnapshot,
  type ConntrackTcpState,
  type NatMappings,
} from '../result/conntrack.js';

const HEAD_BYTES = 10 * 8 + 8 + 8 + 8 + 8 + 10 * 8 + 8;
const KEY_BYTES = 12 + 4 * CONNTRACK_TCP_STATES.length;

function byState(values: readonly number[]): Partial<Record<ConntrackTcpState, number>> {
  const out: Partial<Record<ConntrackTcpState, number>> = {};
  values.forEach((n, i) => {
    if (n > 0) out[CONNTRACK_TCP_STATES[i]!] = n;
  });
  return out;
}

/** Decodes netnsConntrack's answer (layout in src/native/kernel/ct_glue.c); a buffer of another length is refused. */
export function decodeConntrack(buf: Buffer): ConntrackSnapshot {
  if (buf.length < HEAD_BYTES) throw new Error(`conntrack answer of ${buf.length} bytes, shorter than its ${HEAD_BYTES}-byte head`);
  const u64 = (at: number): number => Number(buf.readBigUInt64LE(at));
  let at = 0;
  const stats = Object.fromEntries(CONNTRACK_STAT_NAMES.map((name, i) => [name, u64(i * 8)])) as Record<
    (typeof CONNTRACK_STAT_NAMES)[number],
    number
  >;
  at = 80;
  const cpus = buf.readUInt32LE(at);
  const complete = buf.readUInt32LE(at + 4) === 1;
  at += 8;
  const natTotal = u64(at);
  const other = u64(at + 8);
  const natPortKept = u64(at + 16);
  at += 24;
  const natStates = CONNTRACK_TCP_STATES.map((_, i) => u64(at + i * 8));
  at += 80;
  const keys = buf.readUInt32LE(at);
  at += 8;
  if (buf.length !== HEAD_BYTES + keys * KEY_BYTES) throw new Error(`conntrack answer of ${buf.length} bytes for ${keys} keys`);
  // Sorted by the keys' numbers (NAT address, destination, port) before any string is made:
  // a table of tens of thousands of keys sorts in milliseconds rather than a second of localeCompare.
  const order = Array.from({ length: keys }, (_, k) => HEAD_BYTES + k * KEY_BYTES);
  order.sort(
    (a, b) =>
      buf.readUInt32BE(a) - buf.readUInt32BE(b) ||
      buf.readUInt32BE(a + 4) - buf.readUInt32BE(b + 4) ||
      buf.readUInt16LE(a + 8) - buf.readUInt16LE(b + 8),
  );
  const mappings: NatMappings[] = order.map((at) => {
    const states = CONNTRACK_TCP_STATES.map((_, i) => buf.readUInt32LE(at + 12 + i * 4));
    return {
      natAddress: `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`,
      destination: `${buf[at + 4]}.${buf[at + 5]}.${buf[at + 6]}.${buf[at + 7]}`,
      port: buf.readUInt16LE(at + 8),
      total: states.reduce((a, b) => a + b, 0),
      byState: byState(states),
    };
  });
  return { stats: { ...stats, cpus }, natTotal, natByState: byState(natStates), natPortKept, other, mappings, complete };
}

/** A namespace's conntrack, read again and again through one ctnetlink socket made inside it once. */
export interface ConntrackReader {
  read(): ConntrackSnapshot;
  close(): void;
}

/**
 * Opens the conntrack of the network namespace at `path` (/run/netns/NAME, /proc/PID/ns/net) for
 * reading through ctnetlink, from a socket made inside it (the native addon; the JavaScript side
 * has no netlink): each read gives the statistics and the NAT mappings held, in one streamed dump.
 * The socket is made once, as watch keeps its own (entering a namespace makes a thread).
 */
export function openConntrack(path: string): ConntrackReader {
  const native = loadNative();
  if (!native.addon) throw new Error(`reading conntrack needs the native addon, which is ${native.reason}`);
  const addon = native.addon;
  const { handle } = addon.netnsOpen(path, []);
  return { read: () => decodeConntrack(addon.netnsConntrack(handle)), close: () => addon.netnsClose(handle) };
}

/** One read of the conntrack of the namespace at `path` (openConntrack, read, close). */
export function readConntrack(path: string): ConntrackSnapshot {
  const reader = openConntrack(path);
  try {
    return reader.read();
  } finally {
    reader.close();
  }
}
