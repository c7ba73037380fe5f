import { readFile } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import { ephemeralRangeOf } from '../plan/ports.js';
import { SYSCTLS } from '../plan/sysctls.js';
import { readTcpSockets } from './proc-net-tcp.js';
import type { HostFacts } from '../plan/namespace.js';
import type { Environment } from '../result/environment.js';

async function readText(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim().replace(/\s+/g, ' ');
  } catch {
    return null;
  }
}

/** Reads one sysctl from /proc/sys (no shelling out); null when this kernel has no such setting. */
export function readSysctl(name: string): Promise<string | null> {
  return readText(`/proc/sys/${name.replace(/\./g, '/')}`);
}

/** The soft RLIMIT_NOFILE, from /proc/self/limits. */
export async function readOpenFileLimit(): Promise<number | null> {
  const text = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  if (!match) return null;
  return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

/** Reads the environment a result records. */
export async function readEnvironment(): Promise<Environment> {
  const values = await Promise.all(SYSCTLS.map((name) => readSysctl(name)));
  const sysctls = Object.fromEntries(SYSCTLS.map((name, i) => [name, values[i] ?? null])) as Environment['sysctls'];
  return {
    hostname: hostname(),
    platform: process.platform,
    kernelRelease: release(),
    nodeVersion: process.version,
    sysctls,
    openFileLimit: await readOpenFileLimit(),
  };
}

/** What `buildPlan` needs of this host. */
export async function readHostFacts(): Promise<HostFacts> {
  return { ephemeralPorts: ephemeralRangeOf(await readSysctl('net.ipv4.ip_local_port_range')) };
}

/** Ports with a listening socket on this host; explicit mode never binds to them. */
export async function readListeningPorts(): Promise<Set<number>> {
  const sockets = await readTcpSockets();
  return new Set(sockets.filter((s) => s.state === 'LISTEN').map((s) => s.localPort));
}
