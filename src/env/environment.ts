import { readFile } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import type { HostFacts } from '../plan/build-plan.js';
import type { PortRange } from '../plan/ports.js';
import { NAMESPACE_SYSCTLS } from '../lab/sysctls.js';
import { readTcpSockets } from './proc-net-tcp.js';

/** The sysctls that decide how many connections a source address can make (and the accept queue). */
export const SYSCTLS = [...NAMESPACE_SYSCTLS, 'net.core.somaxconn'] as const;

/** Where and with which limits a run happened. Sysctls absent on this kernel are null. */
export interface Environment {
  /** The generator host's name (results from several hosts are merged by `portchurn merge`). */
  readonly hostname: string;
  readonly platform: string;
  readonly kernelRelease: string;
  readonly nodeVersion: string;
  /** Values as the kernel prints them, whitespace collapsed (`"32768 60999"`). */
  readonly sysctls: Readonly<Record<(typeof SYSCTLS)[number], string | null>>;
  /** Soft limit on open files (RLIMIT_NOFILE) of this process; null when unknown. */
  readonly openFileLimit: number | null;
}

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

/** Linux's default ip_local_port_range, used where /proc cannot be read. */
const LINUX_DEFAULT_RANGE = { low: 32768, high: 60999 };

/** ip_local_port_range from its text as /proc prints it (`"32768 60999"`); Linux's default where absent or unreadable. */
export function ephemeralRangeOf(text: string | null | undefined): PortRange {
  const [low, high] = (text ?? '').split(' ').map(Number);
  return low && high ? { low, high } : LINUX_DEFAULT_RANGE;
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
