import type { PortSearchCalibration } from './prediction.js';
import type { SYSCTLS } from '../plan/sysctls.js';

/** TIME_WAIT sockets that stand in a run's way before its first connection. */
export interface CarryOver {
  /** What was looked at: the source addresses (bind, explicit), or the destinations (kernel mode). */
  readonly addresses: readonly string[];
  readonly timeWait: number;
}

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
  /**
   * What the port-search probe measured on this kernel before the run or sweep (a private
   * namespace, a 2,000-port range, the native addon); null where it could not run (no namespace, no
   * addon): the model then says the port search is not calibrated. Absent in results from before 0.4.
   */
  readonly portSearch?: PortSearchCalibration | null;
}

/** One reading of the counters, or the difference of two. Counters this kernel lacks are absent. */
export interface KernelCounters {
  readonly tcp: Partial<Record<(typeof TCP_COUNTERS)[number], number>>;
  readonly tcpExt: Partial<Record<(typeof TCPEXT_COUNTERS)[number], number>>;
}

/**
 * What the kernel itself counted during a stage: the difference of its TCP counters between the
 * start of the load and the end of the stage. `scope` says whose they are: in a namespace of the
 * stage's own they are the stage's alone; on the host they include every other program.
 */
export interface KernelCounterDelta extends KernelCounters {
  readonly scope: 'namespace' | 'host';
}

/** CPU time spent in user space and in the kernel on a thread's or a process's behalf. */
export interface CpuTime {
  readonly userMs: number;
  readonly systemMs: number;
}

/** The /proc/net/snmp `Tcp:` counters a stage records (RFC 4022 names, as the kernel prints them). */
export const TCP_COUNTERS = ['ActiveOpens', 'PassiveOpens', 'AttemptFails', 'EstabResets', 'OutRsts'] as const;

/** The /proc/net/netstat `TcpExt:` counters a stage records. */
export const TCPEXT_COUNTERS = [
  'TW',
  'TWRecycled',
  'TWKilled',
  'TCPTimeWaitOverflow',
  'TCPAbortOnData',
  'ListenOverflows',
  'ListenDrops',
  'TCPSynRetrans',
] as const;
