import { release } from 'node:os';
import type { NativeAddon } from '../addon/addon.js';
import { listNetns, netnsOfPath, ownNetns, type NetnsEntry } from '../env/netns-list.js';
import type { SysctlValues } from '../model/kernel-settings.js';
import { NAMESPACE_SYSCTLS } from '../plan/sysctls.js';
import type { WatchPlan } from '../plan/watch-plan.js';
import type { NetnsLabel } from '../result/watch-sample.js';
import { decodeSocketDump, kernelDumpsBoundOnly } from '../sampler/socket-dump.js';
import { NamespaceWatcher, natReader, type WatchDeps } from './watcher.js';
import { decodeConntrack } from '../env/conntrack.js';

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

/** Which namespaces a watch reads: its own (no paths, not all), the paths given, or every one of the node. */
export interface NamespaceChoice {
  readonly paths: readonly string[];
  readonly all: boolean;
}

/** A namespace that could not be read, and why. */
export interface UnreadableNamespace {
  readonly netns: NetnsLabel;
  readonly error: string;
}

/** Another namespace opened from inside it: what the watcher reads it with, its id, and how to let it go. */
interface OpenedNamespace {
  readonly deps: WatchDeps;
  readonly inode: number;
  close(): void;
}

/**
 * What a watch reads another namespace with: the addon's handle, opened once inside it (a sock_diag
 * socket and its sysctl files), so each read is that namespace's sockets and settings, never this one's.
 */
function openWithAddon(addon: NativeAddon, entry: NetnsEntry, clock: Omit<WatchDeps, 'dumper' | 'readSysctls'>): OpenedNamespace {
  const files = NAMESPACE_SYSCTLS.map((name) => `/proc/sys/${name.replace(/\./g, '/')}`);
  const { handle, inode } = addon.netnsOpen(entry.path, files);
  return {
    inode,
    close: () => addon.netnsClose(handle),
    deps: {
      ...clock,
      dumper: { via: 'sock_diag', seesBoundOnly: kernelDumpsBoundOnly(release()), read: () => decodeSocketDump(addon.netnsDump(handle)) },
      // Its conntrack through the ctnetlink socket the handle made inside it; none where conntrack is not loaded.
      readNat: natReader(entry.path, () => {
        try {
          return decodeConntrack(addon.netnsConntrack(handle));
        } catch {
          return null;
        }
      }),
      readSysctls: () =>
        Promise.resolve(
          Object.fromEntries(
            NAMESPACE_SYSCTLS.map((name, i) => {
              const text = addon.netnsRead(handle, i);
              return [name, text === null ? null : text.trim().replace(/\s+/g, ' ')];
            }),
          ) as SysctlValues,
        ),
    },
  };
}

/** Why opening failed, in an operator's words. */
function whyUnreadable(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const why =
    e.code === 'EPERM'
      ? ' (entering another namespace needs CAP_SYS_ADMIN)'
      : e.code === 'EACCES'
        ? ' (its ns file needs CAP_SYS_PTRACE)'
        : '';
  return `${e.message}${why}`;
}

/** How the namespaces are found and opened; the node's own by default, a test's in tests. */
export interface NamespaceSource {
  /** Every namespace of the node now (for --all-netns). */
  list(): NetnsEntry[];
  /** Opens another namespace; throws (EPERM, EACCES, ENOENT) when it cannot. */
  open(entry: NetnsEntry): OpenedNamespace;
}

/** The node's namespaces through /proc and the addon (null: another namespace cannot be read here). */
export function nodeNamespaceSource(addon: NativeAddon | null, clock: Omit<WatchDeps, 'dumper' | 'readSysctls'>): NamespaceSource {
  return {
    list: () => listNetns(),
    open: (entry) => {
      if (!addon) throw new Error('reading another namespace needs the native addon, which is not built here');
      return openWithAddon(addon, entry, clock);
    },
  };
}

/** A namespace being watched: its watcher, and its handle when it is not this process's own. */
interface Watched {
  readonly watcher: NamespaceWatcher;
  readonly opened: OpenedNamespace | null;
}

/**
 * The namespaces a watch reads, kept in step with the node. With --all-netns the node's namespaces
 * are listed again at every refresh (the exporter and the live watch refresh before each read): a
 * namespace that appeared is opened, one that is gone is closed. Its handle holds a sock_diag
 * socket made inside it, which keeps the namespace alive in the kernel; closing it lets a deleted
 * pod's namespace go. A namespace is keyed by its inode, and the inode the handle was opened on
 * must be the one listed: a pid that exited between the listing and the opening may name another
 * namespace by then, which is closed again and not read. The label (the lowest pid in it, its
 * command, container and pod) is taken again at each refresh, so a reused pid never names a pod
 * that has gone. Explicit --netns paths are opened once, as given.
 */
export class NodeNamespaces {
  private readonly watched = new Map<number, Watched>();
  private failed: UnreadableNamespace[] = [];
  private listedOnce = false;

  constructor(
    private readonly plan: WatchPlan,
    private readonly choice: NamespaceChoice,
    private readonly own: WatchDeps,
    private readonly source: NamespaceSource,
  ) {}

  /** The namespaces to read now: the node's (all), the paths given, or this process's own. */
  private entries(): NetnsEntry[] {
    if (this.choice.all) return this.source.list();
    if (this.choice.paths.length > 0) return this.choice.paths.map((p) => netnsOfPath(p));
    return [ownNetns()];
  }

  /** Lists again (with --all-netns; the first time otherwise), opens what is new, closes what is gone. */
  refresh(): { readonly added: readonly number[]; readonly removed: readonly number[] } {
    if (this.listedOnce && !this.choice.all) return { added: [], removed: [] };
    this.listedOnce = true;
    const listed = new Map<number, NetnsEntry>();
    for (const entry of this.entries()) if (!listed.has(entry.inode)) listed.set(entry.inode, entry);
    const removed: number[] = [];
    for (const [inode, w] of this.watched) {
      if (listed.has(inode)) continue;
      w.opened?.close();
      this.watched.delete(inode);
      removed.push(inode);
    }
    const added: number[] = [];
    this.failed = [];
    for (const [inode, entry] of listed) {
      const label = labelOf(entry);
      const known = this.watched.get(inode);
      if (known) {
        known.watcher.label = label;
        continue;
      }
      const opened = this.openOne(entry, label);
      if (opened === 'gone') continue;
      if (opened) {
        this.watched.set(inode, opened);
        added.push(inode);
      }
    }
    return { added, removed };
  }

  /** A watcher for `entry`; null when it cannot be read (recorded), 'gone' when the listed namespace was no longer there. */
  private openOne(entry: NetnsEntry, label: NetnsLabel): Watched | null | 'gone' {
    // Its own namespace is read as a plain watch reads it: no privilege needed.
    if (entry.own) return { watcher: new NamespaceWatcher(this.plan, this.own, label), opened: null };
    let opened: OpenedNamespace;
    try {
      opened = this.source.open(entry);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && this.choice.all) return 'gone'; // its process exited since the listing
      this.failed.push({ netns: label, error: whyUnreadable(error) });
      return null;
    }
    if (opened.inode !== entry.inode) {
      // The pid's path now leads elsewhere: not the namespace that was listed.
      opened.close();
      return 'gone';
    }
    return { watcher: new NamespaceWatcher(this.plan, opened.deps, label), opened };
  }

  /** The watchers, this namespace first, then by inode. */
  get watchers(): NamespaceWatcher[] {
    return [...this.watched.values()]
      .map((w) => w.watcher)
      .sort((a, b) => Number(b.label?.own ?? false) - Number(a.label?.own ?? false) || (a.label?.inode ?? 0) - (b.label?.inode ?? 0));
  }

  /** The namespaces the last refresh could not open, and why. */
  get unreadable(): readonly UnreadableNamespace[] {
    return this.failed;
  }

  /** Inodes of the namespaces held open now. */
  get inodes(): number[] {
    return [...this.watched.keys()].sort((a, b) => a - b);
  }

  /** Closes every handle: the namespaces are no longer held by this process. */
  close(): void {
    for (const w of this.watched.values()) w.opened?.close();
    this.watched.clear();
  }
}
