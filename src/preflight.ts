import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { PreflightError } from './errors.js';
import { isLoopback } from './plan/addresses.js';

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
    throw new PreflightError(`target host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  const first = addresses[0];
  if (!first) throw new PreflightError(`target host ${host} resolves to no address`);
  if (!allowRemote && addresses.some((a) => !isLoopback(a.address))) {
    throw new PreflightError(`target host ${host} resolves to a non-loopback address; pass --allow-remote to aim portchurn there`);
  }
  return first.address;
}
