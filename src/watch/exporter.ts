import { WatchMetrics } from '../metrics/watch-metrics.js';
import { newRegistries } from '../metrics/registries.js';
import { startMetricsServer, type MetricsServer } from '../metrics/server.js';
import type { WatchPlan } from '../plan/watch-plan.js';
import type { WatchNodeSample } from '../result/watch-sample.js';
import type { NodeNamespaces } from './node-namespaces.js';
import { refreshAndRead } from './node-watch.js';
import type { WatchDeps } from './watcher.js';

/** Reads the exporter keeps, so a scrape's figures can be checked against the read they came from (`/reads?sequence=N`). */
const KEPT_READS = 30;

/** One read of the node as the exporter served it. */
export interface ExporterRead {
  readonly sequence: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly node: WatchNodeSample;
}

/**
 * `portchurn watch --metrics-listen`: /metrics in the Prometheus text format (OpenMetrics when the
 * scrape asks), read from the namespaces at most once an interval: a scrape that finds the last
 * read older than the interval starts one, and scrapes that come while it runs share it. Each read
 * lists the node's namespaces again first (with --all-netns): a pod started after the exporter is
 * read from its first scrape on, a deleted one's series go and its namespace is let go. The last
 * reads are at /reads (?sequence=N for one), as the watch's own JSON.
 */
export async function startWatchExporter(
  plan: WatchPlan & { readonly metricsListen: NonNullable<WatchPlan['metricsListen']> },
  namespaces: NodeNamespaces,
  clock: Pick<WatchDeps, 'nowMs' | 'wallClock'>,
): Promise<MetricsServer & { readonly reads: () => readonly ExporterRead[] }> {
  const registries = newRegistries();
  const metrics = new WatchMetrics(registries);
  const recent: ExporterRead[] = [];
  let sequence = 0;
  let lastStartMs = -Infinity;
  let running: Promise<void> | null = null;
  const read = async (): Promise<void> => {
    const started = clock.nowMs();
    const startedAt = clock.wallClock();
    lastStartMs = started;
    const node = await refreshAndRead(namespaces);
    const entry: ExporterRead = { sequence: ++sequence, startedAt: startedAt.toISOString(), durationMs: clock.nowMs() - started, node };
    metrics.update(node, { sequence: entry.sequence, startedAt, durationMs: entry.durationMs });
    recent.push(entry);
    if (recent.length > KEPT_READS) recent.shift();
  };
  const refresh = (): Promise<void> => {
    if (running) return running;
    if (clock.nowMs() - lastStartMs < plan.intervalMs) return Promise.resolve();
    running = read().finally(() => (running = null));
    return running;
  };
  await refresh(); // the first read, so the first scrape has one to compare rates with
  const server = await startMetricsServer({
    host: plan.metricsListen.host,
    port: plan.metricsListen.port,
    registries,
    beforeScrape: refresh,
    extra: {
      '/reads': (query) => {
        const wanted = query.get('sequence');
        return wanted === null ? recent : (recent.find((r) => r.sequence === Number(wanted)) ?? null);
      },
    },
  });
  return { ...server, reads: () => recent };
}
