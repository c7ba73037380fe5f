import type { LoadModel, PortMode } from '../plan/plan.js';
import type { LimitCause, LimitedBy, StageCpu } from '../result/limited-by.js';
import type { CpuTime, KernelCounterDelta } from '../result/environment.js';
import type { ErrorCounts, SecondCounts } from '../result/counts.js';

/** Every cause, in the order they are tried. */
export const LIMIT_CAUSES: readonly LimitCause[] = ['tw-table', 'ports', 'port-search', 'target', 'generator-cpu', 'none'];

/** What `diagnose` reads: a run result's measurements. */
export interface DiagnosisInput {
  readonly portMode: PortMode;
  readonly load: LoadModel;
  readonly attempts: number;
  readonly ok: number;
  readonly okPerSec: number;
  readonly errors: ErrorCounts;
  readonly statuses: Readonly<Record<string, number>>;
  readonly timeSeries: readonly SecondCounts[];
  /** Client-side TIME_WAIT at each sample, in order; empty without the sampler. */
  readonly timeWaitSamples: readonly number[];
  readonly kernel: KernelCounterDelta | null;
  readonly cpu: StageCpu | null;
  /** Mean of the total latency, µs (Little's law for a closed loop). */
  readonly meanLatencyUs: number;
  /** net.ipv4.tcp_max_tw_buckets, as the stage saw it. */
  readonly maxTwBuckets: number | null;
}

/** A thread counts as saturated from this share of one core up. */
export const BUSY_SHARE = 0.8;
/** Exhaustion or target errors from this share of attempts up decide the cause. */
export const ERROR_SHARE = 0.001;
/** port-search: the last third of the stage ran below this share of the first third's rate. */
export const FALL_SHARE = 0.75;

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

function busy(cpu: CpuTime, wallMs: number, threads: number): number {
  return wallMs > 0 ? (cpu.userMs + cpu.systemMs) / (wallMs * threads) : 0;
}

/** Mean ok per whole second over a slice of the series (partial seconds left out). */
function meanOk(seconds: readonly SecondCounts[]): number {
  return seconds.length === 0 ? 0 : seconds.reduce((a, s) => a + s.ok, 0) / seconds.length;
}

function targetErrors(input: DiagnosisInput): { count: number; text: string } {
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'TIMEOUT', 'EPIPE'] as const;
  const parts: string[] = [];
  let count = 0;
  for (const code of codes) {
    const c = input.errors[code] ?? 0;
    if (c > 0) parts.push(`${code} ${n(c)}`);
    count += c;
  }
  const fivexx = Object.entries(input.statuses)
    .filter(([s]) => s.startsWith('5'))
    .reduce((a, [, c]) => a + c, 0);
  if (fivexx > 0) parts.push(`HTTP 5xx ${n(fivexx)}`);
  return { count: count + fivexx, text: parts.join(', ') };
}

/** Why a stage ran at the rate it did: the first cause in LIMIT_CAUSES its measurements show. */
export function diagnose(input: DiagnosisInput): LimitedBy {
  const k = input.kernel;
  const overflow = k?.tcpExt.TCPTimeWaitOverflow ?? 0;
  if (overflow > 0) {
    return {
      cause: 'tw-table',
      because: `the TIME_WAIT table${input.maxTwBuckets !== null ? ` (tcp_max_tw_buckets ${n(input.maxTwBuckets)})` : ''} was full: ${n(overflow)} closes skipped TIME_WAIT (TCPTimeWaitOverflow${k?.scope === 'host' ? ', host-wide' : ''}), so this stage measured a kernel without it`,
    };
  }
  const exhausted = (input.errors.EADDRNOTAVAIL ?? 0) + (input.errors.EADDRINUSE ?? 0);
  if (exhausted > 0 && exhausted >= input.attempts * ERROR_SHARE) {
    const code = (input.errors.EADDRINUSE ?? 0) > (input.errors.EADDRNOTAVAIL ?? 0) ? 'EADDRINUSE' : 'EADDRNOTAVAIL';
    return {
      cause: 'ports',
      because: `source ports ran out: ${n(exhausted)} of ${n(input.attempts)} attempts (${pct(exhausted / Math.max(1, input.attempts))}) failed with ${code}`,
    };
  }
  const whole = input.timeSeries.filter((s) => s.coveredMs === undefined);
  const third = Math.floor(whole.length / 3);
  const cpu = input.cpu;
  if (third >= 1 && cpu) {
    const first = meanOk(whole.slice(0, third));
    const last = meanOk(whole.slice(-third));
    const tw = input.timeWaitSamples;
    const twGrew = tw.length >= 2 && tw[tw.length - 1]! > 2 * Math.max(1, tw[0]!) && tw[tw.length - 1]! >= 1000;
    const kernelHeavy = cpu.generator.systemMs > cpu.generator.userMs;
    if (first > 0 && last < first * FALL_SHARE && twGrew && kernelHeavy) {
      // connect() picks the port in kernel and nobind modes (IP_BIND_ADDRESS_NO_PORT), bind() otherwise.
      const call = input.portMode === 'kernel' || input.portMode === 'nobind' ? 'connect()' : 'bind()';
      return {
        cause: 'port-search',
        because: `no port ran out, but ok/s fell from ${n(first)} to ${n(last)} while client TIME_WAIT grew to ${n(tw[tw.length - 1]!)} and the generator spent ${n(cpu.generator.systemMs)} ms in the kernel against ${n(cpu.generator.userMs)} ms in user space: ${call} searches the range past ports held in TIME_WAIT`,
      };
    }
  }
  const refused = targetErrors(input);
  const dropped = (k?.tcpExt.ListenOverflows ?? 0) + (k?.tcpExt.ListenDrops ?? 0);
  if (refused.count > 0 && refused.count >= input.attempts * ERROR_SHARE) {
    return {
      cause: 'target',
      because: `the target failed ${pct(refused.count / Math.max(1, input.attempts))} of attempts (${refused.text})`,
    };
  }
  if (dropped > 0)
    return {
      cause: 'target',
      because: `the target's accept queue overflowed: ListenOverflows + ListenDrops rose by ${n(dropped)}${k?.scope === 'host' ? ' (host-wide)' : ''}`,
    };
  if (cpu) {
    const gen = busy(cpu.generator, cpu.wallMs, cpu.generatorThreads);
    // Several target threads: the busiest decides (SO_REUSEPORT may give one more than its share).
    const threads = cpu.targetThreads ?? [];
    const tgt =
      threads.length > 1 ? Math.max(...threads.map((t) => busy(t, cpu.wallMs, 1))) : cpu.target ? busy(cpu.target, cpu.wallMs, 1) : 0;
    const targetShare =
      threads.length > 1
        ? `built-in target's busiest of ${threads.length} threads ${pct(tgt)} of a core`
        : `built-in target ${pct(tgt)} of a core`;
    const shares = `generator ${pct(gen)} of ${cpu.generatorThreads === 1 ? 'a core' : `${cpu.generatorThreads} cores`}${cpu.target ? `, ${targetShare}` : ''}`;
    if (Math.max(gen, tgt) >= BUSY_SHARE) {
      return tgt > gen
        ? { cause: 'target', because: `the built-in target was busy (${shares})` }
        : {
            cause: 'generator-cpu',
            because: `portchurn's own threads were busy (${shares}): the generator, not the kernel's ports, set this rate`,
          };
    }
  }
  if (input.load.kind === 'open') {
    return {
      cause: 'none',
      because: `the open loop asked for ${n(input.load.ratePerSec)}/s and got ${n(input.okPerSec)} ok/s with nothing saturated`,
    };
  }
  const little = input.meanLatencyUs > 0 ? (input.load.connections * 1e6) / input.meanLatencyUs : 0;
  return {
    cause: 'none',
    because: `nothing saturated: ${input.load.connections} connections in a closed loop at a mean ${(input.meanLatencyUs / 1000).toFixed(2)} ms each allow about ${n(little)}/s (connections / latency)`,
  };
}
