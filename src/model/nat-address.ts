/*
 * Which NAT address the kernel gives a connection, as nf_nat_core.c's find_best_ips_proto() picks
 * it for an snat rule with an address range: a hash of the connection's source address, seeded
 * with its destination address (with `persistent`, seeded with 0: the source alone), scaled onto
 * the range. No random seed: the same pod and destination always get the same NAT address, on
 * every machine. So one pod never spreads over several NAT addresses towards one destination; the
 * NAT addresses multiply a budget only across pods the hash spreads over them.
 *
 *   j = jhash2(&tuple->src.u3, 4, persistent ? 0 : tuple->dst.u3.all[0] ^ zone->id);
 *   addr = min + reciprocal_scale(j, max - min + 1);
 *
 * (IPv4, zone 0; `u3` is the 16-byte nf_inet_addr, the address in its first word as it lies in
 * memory: network order read as a little-endian word on x86 and arm64.)
 */
import { intToIpv4, ipv4ToInt } from '../plan/addresses.js';

const rol32 = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** The kernel's jhash2 (include/linux/jhash.h, Bob Jenkins' lookup3 hashword) over 32-bit words. */
export function jhash2(words: readonly number[], initval: number): number {
  let a = (0xdeadbeef + (words.length << 2) + initval) >>> 0;
  let b = a;
  let c = a;
  let k = 0;
  let length = words.length;
  while (length > 3) {
    a = (a + words[k]!) >>> 0;
    b = (b + words[k + 1]!) >>> 0;
    c = (c + words[k + 2]!) >>> 0;
    // __jhash_mix
    a = (a - c) >>> 0;
    a = (a ^ rol32(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rol32(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rol32(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rol32(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rol32(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rol32(b, 4)) >>> 0;
    b = (b + a) >>> 0;
    length -= 3;
    k += 3;
  }
  if (length === 0) return c;
  if (length >= 3) c = (c + words[k + 2]!) >>> 0;
  if (length >= 2) b = (b + words[k + 1]!) >>> 0;
  a = (a + words[k]!) >>> 0;
  // __jhash_final
  c = (c ^ b) >>> 0;
  c = (c - rol32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rol32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rol32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rol32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rol32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rol32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rol32(b, 24)) >>> 0;
  return c;
}

/** An IPv4 address as the kernel's u32 word holds it in memory (network order, read little-endian). */
function word(address: string): number {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  return (a | (b << 8) | (c << 16) | (d << 24)) >>> 0;
}

/** The NAT address the kernel gives `source` towards `destination` for an snat range `first`-`last` (IPv4, zone 0). */
export function natAddressOf(source: string, destination: string, first: string, last: string, persistent = false): string {
  const min = ipv4ToInt(first);
  const dist = ipv4ToInt(last) - min + 1;
  if (dist <= 1) return first;
  const j = jhash2([word(source), 0, 0, 0], persistent ? 0 : word(destination));
  // reciprocal_scale(j, dist): the high word of j x dist.
  const scaled = Number((BigInt(j) * BigInt(dist)) >> 32n);
  return intToIpv4(min + scaled);
}
