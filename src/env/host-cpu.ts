import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { HostCpu } from '../result/nat-result.js';

/** USER_HZ: /proc/stat counts in 100ths of a second on every architecture. */
const MS_PER_TICK = 10;

/** The host's CPU time so far, all cores together, from the `cpu` line of /proc/stat; null where it cannot be read. */
export function readHostCpu(): Omit<HostCpu, 'wallMs'> | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu  user nice system idle iowait irq softirq steal ...
    const [user, nice, system, idle, , , softirq] = line.trim().split(/\s+/).slice(1).map(Number);
    if ([user, nice, system, idle, softirq].some((v) => v === undefined || !Number.isFinite(v))) return null;
    return {
      userMs: (user! + nice!) * MS_PER_TICK,
      systemMs: system! * MS_PER_TICK,
      softirqMs: softirq! * MS_PER_TICK,
      idleMs: idle! * MS_PER_TICK,
      cores: availableParallelism(),
    };
  } catch {
    return null;
  }
}

/** `after - before` over `wallMs`. */
export function hostCpuSince(before: Omit<HostCpu, 'wallMs'>, after: Omit<HostCpu, 'wallMs'>, wallMs: number): HostCpu {
  return {
    userMs: after.userMs - before.userMs,
    systemMs: after.systemMs - before.systemMs,
    softirqMs: after.softirqMs - before.softirqMs,
    idleMs: after.idleMs - before.idleMs,
    wallMs: Math.round(wallMs),
    cores: after.cores,
  };
}
