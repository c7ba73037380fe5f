import { readdir, readFile } from 'node:fs/promises';
import type { ProxyCpu } from '../result/proxy-result.js';

/**
 * /proc counts CPU time in USER_HZ ticks, which Linux fixes at 100 a second for user space on
 * every architecture (the kernel's own HZ may differ; jiffies_to_clock_t converts).
 */
const TICKS_PER_SEC = 100;

/** A process group's CPU time so far, ms. */
export interface GroupCpu {
  readonly userMs: number;
  readonly systemMs: number;
  /** Processes of the group read. */
  readonly processes: number;
}

/** The fields of /proc/PID/stat after the command's closing parenthesis (which may itself hold spaces and parentheses). */
function statFields(text: string): string[] | null {
  const close = text.lastIndexOf(')');
  return close < 0
    ? null
    : text
        .slice(close + 2)
        .trim()
        .split(' ');
}

/**
 * The CPU time of every process in group `pgid`, read from /proc: each live member's utime and
 * stime, plus what the leader has counted of its reaped children (cutime, cstime: an nginx
 * worker that exited and was waited for). A process that exits between the listing and the read
 * is left out. Null when the group has no process left.
 */
export async function readGroupCpu(pgid: number, procRoot = '/proc'): Promise<GroupCpu | null> {
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  let user = 0;
  let system = 0;
  let processes = 0;
  for (const pid of pids) {
    const text = await readFile(`${procRoot}/${pid}/stat`, 'utf8').catch(() => null);
    const f = text === null ? null : statFields(text);
    // After ')': state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime, cutime, cstime.
    if (!f || f.length < 15 || Number(f[2]) !== pgid) continue;
    processes += 1;
    user += Number(f[11]);
    system += Number(f[12]);
    if (Number(pid) === pgid) {
      user += Number(f[13]);
      system += Number(f[14]);
    }
  }
  if (processes === 0) return null;
  return { userMs: (user * 1000) / TICKS_PER_SEC, systemMs: (system * 1000) / TICKS_PER_SEC, processes };
}

/** Cumulative readings of a group's CPU, with when they were taken (ms since the load began). */
export class GroupCpuSeries {
  private readonly readings: { atMs: number; cpu: GroupCpu }[] = [];

  constructor(
    private readonly pgid: number,
    private readonly procRoot = '/proc',
  ) {}

  /** One reading now; a group already gone adds nothing. */
  async sample(atMs: number): Promise<void> {
    const cpu = await readGroupCpu(this.pgid, this.procRoot);
    if (cpu) this.readings.push({ atMs, cpu });
  }

  /**
   * The variant's CPU: the whole (last reading less the first, the first taken as the load began)
   * and one entry per interval between readings, by the second its middle falls in. Null with fewer than
   * two readings.
   */
  result(wallMs: number): ProxyCpu | null {
    const r = this.readings;
    if (r.length < 2) return null;
    const first = r[0]!;
    const last = r.at(-1)!;
    const userMs = last.cpu.userMs - first.cpu.userMs;
    const systemMs = last.cpu.systemMs - first.cpu.systemMs;
    const perSecond = r.slice(1).map((now, i) => ({
      second: Math.floor((now.atMs + r[i]!.atMs) / 2000),
      userMs: now.cpu.userMs - r[i]!.cpu.userMs,
      systemMs: now.cpu.systemMs - r[i]!.cpu.systemMs,
    }));
    return {
      userMs,
      systemMs,
      coreShare: wallMs > 0 ? Math.round(((userMs + systemMs) / wallMs) * 1000) / 1000 : 0,
      processes: last.cpu.processes,
      perSecond,
    };
  }
}
