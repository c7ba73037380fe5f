import { isIPv4, isIPv6 } from 'node:net';
import { PlanError } from '../errors.js';

/** The most source addresses one plan may use; 127/8 has 16 million, but each costs a bind check and counters. */
export const MAX_SOURCES = 65_536;

/** IP family of an address literal. */
export type Family = 4 | 6;

/** The family of an IP literal, or null when the text is not one. */
export function familyOf(address: string): Family | null {
  // A zone index (fe80::1%eth0) names an interface, which a source or target here never needs.
  if (address.includes('%')) return null;
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return null;
}

/** An IPv4 literal as an unsigned 32-bit number (198.19.0.1 -> 0xc6130001). */
export function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** An unsigned 32-bit number as an IPv4 literal. */
export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The 16 bytes of an IPv6 literal (`::` expanded; a dotted IPv4 tail, `::ffff:127.0.0.1`, as its 4 bytes). */
export function ipv6Bytes(address: string): number[] {
  const n = ipv6ToBigInt(address);
  return Array.from({ length: 16 }, (_, i) => Number((n >> BigInt((15 - i) * 8)) & 0xffn));
}

/** `host:port`, with an IPv6 host in brackets (`[::1]:8080`). */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  // An embedded IPv4 tail (::ffff:127.0.0.1) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToInt(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) + BigInt(parseInt(part, 16)), 0n);
}

function bigIntToIpv6(n: bigint): string {
  const parts: string[] = [];
  for (let i = 7; i >= 0; i--) parts.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero hextets, as RFC 5952 asks.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return parts.join(':');
  return `${parts.slice(0, bestStart).join(':')}::${parts.slice(bestStart + bestLength).join(':')}`;
}

/** Canonical text of an address literal (`::0001` becomes `::1`), so counts keyed by address agree. */
export function canonicalAddress(address: string): string {
  const family = familyOf(address);
  if (family === 4) return intToIpv4(ipv4ToInt(address));
  if (family === 6) return bigIntToIpv6(ipv6ToBigInt(address));
  return address;
}

/** An IPv4-mapped IPv6 address (::ffff:127.0.0.2) as the IPv4 address it is on the wire; any other address as given. */
export function unmappedIpv4(address: string): string {
  if (familyOf(address) !== 6) return address;
  const n = ipv6ToBigInt(address);
  return n >> 32n === 0xffffn ? intToIpv4(Number(n & 0xffffffffn)) : address;
}

/**
 * True for an IPv6 address that is not loopback: on Linux it exists only where a route makes it
 * local (`ip -6 route add local PREFIX dev lo`), which portchurn does only in its own namespaces.
 */
export function needsLocalRoute(address: string): boolean {
  return familyOf(address) === 6 && !isLoopback(address);
}

/** The narrowest IPv6 prefix holding every one of `addresses` (all IPv6), e.g. 2001:2::10/124. */
export function coveringIpv6Prefix(addresses: readonly string[]): string {
  const values = addresses.map(ipv6ToBigInt);
  const low = values.reduce((a, b) => (b < a ? b : a));
  const high = values.reduce((a, b) => (b > a ? b : a));
  const hostBits = (low ^ high).toString(2).length - (low === high ? 1 : 0);
  const network = (low >> BigInt(hostBits)) << BigInt(hostBits);
  return `${bigIntToIpv6(network)}/${128 - hostBits}`;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopback(address: string): boolean {
  const family = familyOf(address);
  if (family === 4) return address.startsWith('127.');
  if (family === 6) {
    const n = ipv6ToBigInt(address);
    if (n === 1n) return true;
    return n >> 32n === 0xffffn && Number(n & 0xffffffffn) >>> 24 === 127;
  }
  return false;
}

function consecutive(option: string, first: string, count: number): string[] {
  const family = familyOf(first);
  if (family === 4) {
    const start = ipv4ToInt(first);
    if (start + count - 1 > 0xffffffff) throw new PlanError(option, `${option}: ${count} addresses from ${first} run past 255.255.255.255`);
    return Array.from({ length: count }, (_, i) => intToIpv4(start + i));
  }
  if (family === 6) {
    const start = ipv6ToBigInt(first);
    return Array.from({ length: count }, (_, i) => bigIntToIpv6(start + BigInt(i)));
  }
  throw new PlanError(option, `${option}: '${first}' is not an IPv4 or IPv6 address`);
}

function checkCount(option: string, item: string, count: number | bigint): number {
  if (count > BigInt(MAX_SOURCES)) {
    throw new PlanError(option, `${option}: '${item}' has ${count} addresses, more than the ${MAX_SOURCES} allowed`);
  }
  return Number(count);
}

function expandRange(option: string, item: string): string[] {
  const [from = '', to = ''] = item.split('-').map((s) => s.trim());
  const family = familyOf(from);
  if (family === null || familyOf(to) !== family) {
    throw new PlanError(option, `${option}: range '${item}' must join two addresses of one family (127.0.0.2-127.0.0.40)`);
  }
  const span = family === 4 ? BigInt(ipv4ToInt(to) - ipv4ToInt(from)) : ipv6ToBigInt(to) - ipv6ToBigInt(from);
  if (span < 0n) throw new PlanError(option, `${option}: range '${item}' ends before it starts`);
  return consecutive(option, from, checkCount(option, item, span + 1n));
}

function expandCidr(option: string, item: string): string[] {
  const [base = '', prefixText = ''] = item.split('/');
  const family = familyOf(base);
  const bits = family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (family === null || !/^\d+$/.test(prefixText) || prefix > bits) {
    throw new PlanError(option, `${option}: '${item}' is not a CIDR block (127.0.1.0/26)`);
  }
  const size = 1n << BigInt(bits - prefix);
  // An IPv6 prefix is usually far larger than a run can spread over (a /48 holds 2^80
  // addresses): it gives its first MAX_SOURCES. An IPv4 block must fit whole.
  const count = family === 6 && size > BigInt(MAX_SOURCES) ? MAX_SOURCES : checkCount(option, item, size);
  const value = family === 4 ? BigInt(ipv4ToInt(base)) : ipv6ToBigInt(base);
  const network = value - (value % size);
  const first = family === 4 ? intToIpv4(Number(network)) : bigIntToIpv6(network);
  return consecutive(option, first, count);
}

/**
 * Expands a `--sources` spec into the list of source addresses, in order:
 * a count `N` (N consecutive addresses from `base`), a comma list whose items are addresses,
 * ranges `127.0.0.2-127.0.0.40` or CIDR blocks `127.0.1.0/26`. IPv4 and IPv6; one family per plan;
 * no address twice.
 */
export function parseSources(spec: string, base = '127.0.0.1', option = '--sources'): string[] {
  const text = spec.trim();
  if (text === '') throw new PlanError(option, `${option} is empty`);
  let addresses: string[];
  if (/^\d+$/.test(text)) {
    const count = Number(text);
    if (count < 1) throw new PlanError(option, `${option} must name at least one address`);
    if (familyOf(base) === null) throw new PlanError('--source-base', `--source-base '${base}' is not an IPv4 or IPv6 address`);
    addresses = consecutive(option, base, checkCount(option, text, BigInt(count)));
  } else {
    addresses = [];
    for (const raw of text.split(',')) {
      const item = raw.trim();
      if (item.includes('/')) addresses.push(...expandCidr(option, item));
      else if (item.includes('-')) addresses.push(...expandRange(option, item));
      else if (familyOf(item) !== null) addresses.push(item);
      else throw new PlanError(option, `${option}: '${item}' is not an address, range or CIDR block`);
      if (addresses.length > MAX_SOURCES) throw new PlanError(option, `${option} names more than ${MAX_SOURCES} addresses`);
    }
  }
  addresses = addresses.map((a) => canonicalAddress(unmappedIpv4(a)));
  const families = new Set(addresses.map(familyOf));
  if (families.size > 1) throw new PlanError(option, `${option} mixes IPv4 and IPv6 addresses; use one family`);
  const seen = new Set<string>();
  for (const address of addresses) {
    if (seen.has(address)) throw new PlanError(option, `${option} names ${address} twice`);
    seen.add(address);
  }
  return addresses;
}
