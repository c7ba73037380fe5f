import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { PreflightError } from '../errors.js';
import { isLoopback } from '../plan/addresses.js';

/** Most addresses the bind check tries; beyond that it samples evenly, first and last included. */
const BIND_CHECK_SAMPLE = 64;

/** Binds `address:0` for a moment; returns the error code, or null when it worked. */
export function tryBind(address: string): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'OTHER'));
    server.listen({ host: address, port: 0, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/** Addresses to check: all when few, else an even sample with the first and the last. */
export function bindCheckSample(addresses: readonly string[], size = BIND_CHECK_SAMPLE): string[] {
  if (addresses.length <= size) return [...addresses];
  const step = (addresses.length - 1) / (size - 1);
  return Array.from({ length: size }, (_, i) => addresses[Math.round(i * step)]!);
}

/**
 * Checks that source addresses can be bound on this host, before any traffic. Linux answers on
 * all of 127.0.0.0/8 with no set-up; macOS only on the aliases added to lo0; IPv6 only on ::1.
 */
export async function checkSourcesBindable(addresses: readonly string[]): Promise<void> {
  for (const address of bindCheckSample(addresses)) {
    const code = await tryBind(address);
    if (code === null) continue;
    const hint = address.includes(':')
      ? 'IPv6 loopback is ::1 alone; add other addresses to an interface first'
      : process.platform === 'darwin'
        ? `add it with: sudo ifconfig lo0 alias ${address}`
        : 'on Linux all of 127.0.0.0/8 is local with no set-up; other addresses must be on an interface';
    throw new PreflightError(`source address ${address} cannot be bound on this host (${code}): ${hint}`);
  }
}

/**
 * Resolves the target host once, so no connection does a DNS lookup, and refuses a name that
 * resolves outside loopback unless remote targets are allowed.
 */
export async function resolveTargetHost(host: string, family: 4 | 6 | null, allowRemote: boolean): Promise<string> {
  if (family !== null) return host;
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch (error) {
    throw new PreflightError(`target host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  const first = addresses[0];
  if (!first) throw new PreflightError(`target host ${host} resolves to no address`);
  if (!allowRemote && addresses.some((a) => !isLoopback(a.address))) {
    throw new PreflightError(`target host ${host} resolves to a non-loopback address; pass --allow-remote to aim portchurn there`);
  }
  return first.address;
}

/**
 * IP_LOCAL_PORT_RANGE exists from Linux 6.3, and the kernel uses it only where it overlaps
 * ip_local_port_range (it narrows that range; outside it, it is ignored): both are refused
 * before any traffic (exit 2), with what would work.
 */
export function checkSocketPortRange(
  range: { low: number; high: number },
  ephemeral: { low: number; high: number },
  kernelRelease: string,
): void {
  const [major = 0, minor = 0] = kernelRelease.split(/[.-]/).map(Number);
  if (major < 6 || (major === 6 && minor < 3)) {
    throw new PreflightError(`--socket-port-range needs IP_LOCAL_PORT_RANGE, which Linux has from 6.3; this kernel is ${kernelRelease}`);
  }
  if (range.high < ephemeral.low || range.low > ephemeral.high) {
    throw new PreflightError(
      `--socket-port-range ${range.low}-${range.high} lies outside ip_local_port_range ${ephemeral.low}-${ephemeral.high}: the kernel ignores a socket range that does not narrow it; pick ports inside it`,
    );
  }
}
