import { readFileSync } from 'node:fs';
import type { CpuTime } from '../result/environment.js';

/**
 * /proc reports utime and stime in USER_HZ ticks, which Linux fixes at 100 per second for every
 * architecture's user-visible interfaces (whatever CONFIG_HZ the kernel runs at): 10 ms a tick.
 */
const MS_PER_TICK = 10;

/** utime and stime from the text of a /proc/.../stat file; null when it does not parse. */
export function parseStatCpu(text: string): CpuTime | null {
  // Field 2 (comm) is in parentheses and may hold spaces or ')': count fields after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { userMs: utime * MS_PER_TICK, systemMs: stime * MS_PER_TICK };
}

/**
 * CPU time of the calling thread so far (Linux), read synchronously so that it is this thread's
 * and not a libuv pool thread's; null where /proc/thread-self does not exist.
 */
export function threadCpuTime(): CpuTime | null {
  try {
    return parseStatCpu(readFileSync('/proc/thread-self/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** CPU time of this whole process so far: every thread, the generator's, the target's and Node's own. */
export function processCpuTime(): CpuTime {
  const u = process.cpuUsage();
  return { userMs: u.user / 1000, systemMs: u.system / 1000 };
}

/** `later - earlier` in whole milliseconds, never below zero (clock-tick rounding). */
export function cpuSince(earlier: CpuTime, later: CpuTime): CpuTime {
  return {
    userMs: Math.max(0, Math.round(later.userMs - earlier.userMs)),
    systemMs: Math.max(0, Math.round(later.systemMs - earlier.systemMs)),
  };
}
