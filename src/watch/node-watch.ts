import type { WatchPlan } from '../plan/watch-plan.js';
import type { WatchNodeSample, WatchSample } from '../result/watch-sample.js';
import type { NodeNamespaces, UnreadableNamespace } from './node-namespaces.js';
import { watchLoop, type NamespaceWatcher, type WatchDeps } from './watcher.js';

/** Reads every watcher once: a sample each, and those whose read failed among the unreadable. */
export async function readNode(
  watchers: readonly NamespaceWatcher[],
  unreadable: readonly UnreadableNamespace[],
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

/** The node's namespaces brought up to date (listed again with --all-netns), then each read once. */
export function refreshAndRead(namespaces: NodeNamespaces): Promise<WatchNodeSample> {
  namespaces.refresh();
  return readNode(namespaces.watchers, namespaces.unreadable);
}

/** Watches several namespaces as one: every interval the namespaces refreshed and a read of each (see watchLoop). */
export async function watchNode(
  plan: WatchPlan,
  namespaces: NodeNamespaces,
  clock: Pick<WatchDeps, 'sleep'>,
  onRead: (node: WatchNodeSample) => void,
  signal?: AbortSignal,
): Promise<void> {
  await watchLoop(
    plan,
    clock,
    async (show) => {
      const node = await refreshAndRead(namespaces);
      if (show) onRead(node);
    },
    signal,
  );
}
