import { release } from 'node:os';
import type { NativeAddon } from '../addon/addon.js';
import { listNetns, netnsOfPath, ownNetns, type NetnsEntry } from '../env/netns-list.js';
import type { SysctlValues } from '../model/kernel-settings.js';
import { NAMESPACE_SYSCTLS } from '../plan/sysctls.js';
import type { WatchPlan } from '../plan/watch-plan.js';
import type { NetnsLabel, WatchNodeSample, WatchSample } from '../result/watch-sample.js';
import { decodeSocketDump, kernelDumpsBoundOnly } from '../sampler/socket-dump.js';
import { hostWatchDeps, NamespaceWatcher, watchLoop, type WatchDeps } from './watcher.js';

/** The label a sample carries for a namespace entry. */
export function labelOf(entry: NetnsEntry): NetnsLabel {
  const p = entry.process;
  return {
    inode: entry.inode,
    pid: p?.pid ?? null,
    command: p?.command ?? null,
    container: p?.container ?? null,
    pod: p?.pod ?? null,
    own: entry.own,
  };
}

/**
 * What a watch reads another namespace with: the addon's handle, opened once inside it (a sock_diag
 * socket and its sysctl files), so each read is that namespace's sockets and settings, never this one's.
 */
function namespaceDeps(addon: NativeAddon, entry: NetnsEntry, clock: Omit<WatchDeps, 'dumper' | 'readSysctls'>): WatchDeps {
  const files = NAMESPACE_SYSCTLS.map((name) => `/proc/sys/${name.replace(/\./g, '/')}`);
  const { handle } = addon.netnsOpen(entry.path, files);
  return {
    ...clock,
    dumper: { via: 'sock_diag', seesBoundOnly: kernelDumpsBoundOnly(release()), read: () => decodeSocketDump(addon.netnsDump(handle)) },
    readSysctls: () =>
      Promise.resolve(
        Object.fromEntries(
          NAMESPACE_SYSCTLS.map((name, i) => {
            const text = addon.netnsRead(handle, i);
            return [name, text === null ? null : text.trim().replace(/\s+/g, ' ')];
          }),
        ) as SysctlValues,
      ),
  };
}

/** Which namespaces a watch reads: its own (no paths, not all), the paths given, or every one of the node. */
export interface NamespaceChoice {
  readonly paths: readonly string[];
  readonly all: boolean;
}

/** The namespaces chosen, each a watcher or the reason it cannot be read (permissions, no addon). */
export function openNamespaces(
  plan: WatchPlan,
  choice: NamespaceChoice,
  addon: NativeAddon | null,
): { watchers: NamespaceWatcher[]; unreadable: { netns: NetnsLabel; error: string }[] } {
  const own = hostWatchDeps(plan);
  const entries = choice.all ? listNetns() : choice.paths.length > 0 ? choice.paths.map((p) => netnsOfPath(p)) : [ownNetns()];
  const watchers: NamespaceWatcher[] = [];
  const unreadable: { netns: NetnsLabel; error: string }[] = [];
  const seen = new Set<number>();
  for (const entry of entries) {
    if (seen.has(entry.inode)) continue;
    seen.add(entry.inode);
    const label = labelOf(entry);
    // Its own namespace is read as a plain watch reads it: no privilege needed.
    if (entry.own) {
      watchers.push(new NamespaceWatcher(plan, own, label));
      continue;
    }
    if (!addon) {
      unreadable.push({ netns: label, error: 'reading another namespace needs the native addon, which is not built here' });
      continue;
    }
    try {
      watchers.push(new NamespaceWatcher(plan, namespaceDeps(addon, entry, own), label));
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      const why =
        e.code === 'EPERM'
          ? ' (entering another namespace needs CAP_SYS_ADMIN)'
          : e.code === 'EACCES'
            ? ' (its ns file needs CAP_SYS_PTRACE)'
            : '';
      unreadable.push({ netns: label, error: `${e.message}${why}` });
    }
  }
  return { watchers, unreadable };
}

/** Reads every watcher once: a sample each, and those whose read failed among the unreadable. */
export async function readNode(
  watchers: readonly NamespaceWatcher[],
  unreadable: readonly { netns: NetnsLabel; error: string }[],
): Promise<WatchNodeSample> {
  const samples: WatchSample[] = [];
  const failed = [...unreadable];
  for (const w of watchers) {
    try {
      samples.push(await w.read());
    } catch (error) {
      if (w.label) failed.push({ netns: w.label, error: (error as Error).message });
    }
  }
  return { kind: 'watch-node', samples, unreadable: failed };
}

/** Watches several namespaces as one: every interval a read of each (see watchLoop). */
export async function watchNode(
  plan: WatchPlan,
  opened: { watchers: readonly NamespaceWatcher[]; unreadable: readonly { netns: NetnsLabel; error: string }[] },
  clock: Pick<WatchDeps, 'sleep'>,
  onRead: (node: WatchNodeSample) => void,
  signal?: AbortSignal,
): Promise<void> {
  await watchLoop(
    plan,
    clock,
    async (show) => {
      const node = await readNode(opened.watchers, opened.unreadable);
      if (show) onRead(node);
    },
    signal,
  );
}
