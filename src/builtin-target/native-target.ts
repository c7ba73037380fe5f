import { constants } from 'node:os';
import type { NativeAddon } from '../addon/addon.js';
import { NATIVE_ABI } from '../addon/abi.js';
import { checkNativeTargetConfig, type NativeTargetConfig } from '../addon/configs.js';
import { TargetError } from '../errors.js';
import { canonicalAddress } from '../plan/addresses.js';
import type { CpuTime } from '../result/environment.js';
import type { TargetStats } from '../result/target-stats.js';
import type { BuiltinTarget } from './target-handle.js';

/** What the addon's targetStats() gives (abi.json's targetStats), as JSON. */
interface NativeStats extends Omit<TargetStats, 'cpu' | 'threadCpu' | 'failures'> {
  readonly threads: readonly (CpuTime | null)[];
  /** Per thread: the errno its epoll_wait failed with (it ended early), or 0. */
  readonly loopErrnos: readonly number[];
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/**
 * The target's counts from the addon's JSON, checked against abi.json's targetStats: a field
 * missing or one it does not list is a TargetError naming it (an addon built from another
 * abi.json), never a count silently read as undefined.
 */
export function statsOf(json: string, fields: readonly string[] = NATIVE_ABI.targetStats.fields): TargetStats {
  const parsed = JSON.parse(json) as NativeStats;
  const got = Object.keys(parsed);
  const missing = fields.filter((f) => !got.includes(f));
  const extra = got.filter((f) => !fields.includes(f));
  if (missing.length > 0 || extra.length > 0)
    throw new TargetError(
      `the native target's stats do not match abi.json's targetStats:${missing.length ? ` missing ${missing.join(', ')}` : ''}${extra.length ? ` not listed ${extra.join(', ')}` : ''}`,
    );
  const { threads, loopErrnos, ...counts } = parsed;
  const known = threads.filter((t): t is CpuTime => t !== null);
  const cpu =
    known.length === threads.length
      ? known.reduce((a, t) => ({ userMs: a.userMs + t.userMs, systemMs: a.systemMs + t.systemMs }), { userMs: 0, systemMs: 0 })
      : null;
  const failures = loopErrnos.flatMap((e, i) =>
    e ? [`built-in target thread ${i + 1}: its loop failed (${ERRNO_NAMES.get(e) ?? e}) and it served nothing after that`] : [],
  );
  return { ...counts, cpu, threadCpu: threads, ...(failures.length > 0 ? { failures } : {}) };
}

/**
 * The native built-in target (src/native/builtin-target/): `threads` epoll threads, each with its own
 * SO_REUSEPORT listener on every listen address, listening when this returns. Its counts come
 * back as the stats endpoint serves them; stop() closes every connection and joins the threads.
 */
export function startNativeTarget(addon: NativeAddon, config: NativeTargetConfig, reason: string): BuiltinTarget {
  checkNativeTargetConfig(config);
  let started: ReturnType<NativeAddon['targetStart']>;
  try {
    started = addon.targetStart(config);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new TargetError(`the built-in target could not listen (${e.code ?? 'OTHER'}): ${e.message}`, { cause: error });
  }
  const { handle } = started;
  let closed: TargetStats | null = null;
  // The threads live outside Node's event loop: as a listening server does, keep the process alive until close().
  const alive = setInterval(() => {}, 2 ** 30);
  return {
    engine: 'native',
    reason,
    threads: config.threads,
    addresses: started.addresses.map((a) => ({ host: canonicalAddress(a.host), port: a.port })),
    stats: () => Promise.resolve(closed ?? statsOf(addon.targetStats(handle))),
    close: () => {
      if (!closed) {
        clearInterval(alive);
        addon.targetStop(handle);
        closed = statsOf(addon.targetStats(handle));
      }
      return Promise.resolve(closed);
    },
  };
}
