import { release } from 'node:os';
import { readSysctl } from '../env/environment.js';
import { loadNative } from '../addon/addon.js';
import type { WatchPlan } from '../plan/watch-plan.js';
import { NAMESPACE_SYSCTLS } from '../plan/sysctls.js';
import type { SysctlValues } from '../model/kernel-settings.js';
import type { NetnsLabel, WatchSample } from '../result/watch-sample.js';
import { chooseDumper, type SocketDumper } from '../sampler/socket-dump.js';
import { watchSampleOf, type Snapshot } from './watch-sample.js';
import { readNatRules, type NatReading } from './nat-watch.js';
import { openConntrack, type ConntrackReader } from '../env/conntrack.js';
import type { NativeAddon } from '../addon/addon.js';
import type { ConntrackSnapshot } from '../result/conntrack.js';

/** How long a namespace's NAT rules are kept before nft is asked again (they change rarely; nft is a process). */
const NAT_RULES_TTL_MS = 30_000;

/** A NAT reader for a namespace (its ns path, null for this one): the rules, asked again every 30 s, and conntrack at each read. */
export function natReader(netnsPath: string | null, conntrack: () => ConntrackSnapshot | null): () => NatReading {
  let rules: NatReading['rules'] = [];
  let readAt = -Infinity;
  return () => {
    const now = performance.now();
    if (now - readAt >= NAT_RULES_TTL_MS) {
      rules = readNatRules(netnsPath);
      readAt = now;
    }
    return { rules, conntrack: conntrack() };
  };
}

/** What a watch reads and waits with; a test gives its own clock. */
export interface WatchDeps {
  readonly dumper: SocketDumper;
  readSysctls(): Promise<SysctlValues>;
  /** The namespace's NAT rules and conntrack (absent: not read). */
  readNat?(): NatReading;
  /** Monotonic milliseconds. */
  nowMs(): number;
  wallClock(): Date;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
}

/** This namespace's sysctls the watch reads. */
export async function readWatchSysctls(): Promise<SysctlValues> {
  const values = await Promise.all(NAMESPACE_SYSCTLS.map(readSysctl));
  return Object.fromEntries(NAMESPACE_SYSCTLS.map((name, i) => [name, values[i]]));
}

function sleepFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/**
 * This namespace's conntrack at each read, through one ctnetlink socket opened the first time and
 * kept (a handle per read would make a thread and enter the namespace every second); null where
 * there is no addon or no conntrack.
 */
function ownConntrack(addon: NativeAddon | null): () => ConntrackSnapshot | null {
  let reader: ConntrackReader | null = null;
  return () => {
    if (!addon) return null;
    try {
      reader ??= openConntrack('/proc/self/ns/net');
      return reader.read();
    } catch {
      return null;
    }
  };
}

/** The host's own readers and clocks: sock_diag through the addon where it loads, /proc otherwise. */
export function hostWatchDeps(plan: Pick<WatchPlan, 'via'>): WatchDeps {
  const native = loadNative();
  return {
    dumper: chooseDumper(native.addon, release(), plan.via),
    readSysctls: readWatchSysctls,
    readNat: natReader(null, ownConntrack(native.addon)),
    nowMs: () => performance.now(),
    wallClock: () => new Date(),
    sleep: sleepFor,
  };
}

/** One read of the namespace. */
export async function takeSnapshot(deps: WatchDeps): Promise<Snapshot> {
  const started = deps.nowMs();
  const sysctls = await deps.readSysctls();
  const at = deps.wallClock();
  const atMs = deps.nowMs();
  const rows = deps.dumper.read();
  const nat = deps.readNat ? deps.readNat() : null;
  return { atMs, at, via: deps.dumper.via, seesBoundOnly: deps.dumper.seesBoundOnly, rows, sysctls, nat, readMs: deps.nowMs() - started };
}

/**
 * One namespace watched over time: each read gives a sample, with rates against the read before.
 * `label` names the namespace when a watch reads more than its own.
 */
export class NamespaceWatcher {
  private previous: Snapshot | null = null;

  constructor(
    private readonly plan: WatchPlan,
    private readonly deps: WatchDeps,
    public label?: NetnsLabel,
  ) {}

  /** Reads the namespace now; the first read has no rates. */
  async read(): Promise<WatchSample> {
    const current = await takeSnapshot(this.deps);
    const sample = watchSampleOf(this.previous, current, this.plan, this.label);
    this.previous = current;
    return sample;
  }
}

/**
 * Watches this namespace: with `once`, two reads an interval apart and one sample; otherwise a
 * sample at once (no rates yet), then one every interval until `plan.samples` or the signal.
 * Sends nothing.
 */
export async function watchSockets(
  plan: WatchPlan,
  deps: WatchDeps,
  onSample: (s: WatchSample) => void,
  signal?: AbortSignal,
): Promise<void> {
  const watcher = new NamespaceWatcher(plan, deps);
  await watchLoop(
    plan,
    deps,
    async (show) => {
      const sample = await watcher.read();
      if (show) onSample(sample);
    },
    signal,
  );
}

/**
 * The loop every watch runs: a read at once (with --once, not shown: it only gives the rates),
 * then one every interval until `plan.samples` or the signal. `read` reads and reports.
 */
export async function watchLoop(
  plan: WatchPlan,
  clock: Pick<WatchDeps, 'sleep'>,
  read: (show: boolean) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  await read(!plan.once);
  let emitted = plan.once ? 0 : 1;
  while (!signal?.aborted && (plan.samples === null || emitted < plan.samples)) {
    await clock.sleep(plan.intervalMs, signal);
    if (signal?.aborted) break;
    await read(true);
    emitted++;
  }
}
