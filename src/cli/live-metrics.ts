import { RunMetrics, type StageLabels } from '../metrics/run-metrics.js';
import { newRegistries } from '../metrics/registries.js';
import { startMetricsServer, type MetricsServer } from '../metrics/server.js';
import { parseListen } from '../plan/listen.js';
import type { Progress } from '../result/progress.js';
import type { CliIo } from './output.js';

/** A load's live counters on a /metrics endpoint (`run`, `sweep`, `lab` with --metrics-listen). */
export interface LiveMetrics {
  update(labels: StageLabels, line: Progress): void;
  close(): Promise<void>;
}

/**
 * Starts the endpoint when `listen` is given (HOST:PORT, loopback unless `allowRemote`: the
 * metrics name the addresses a load uses) and says where on stderr; null otherwise. Bad input is a
 * PlanError (exit 2) before any traffic.
 */
export async function startLiveMetrics(listen: string | undefined, allowRemote: boolean, io: CliIo): Promise<LiveMetrics | null> {
  if (listen === undefined) return null;
  const [address] = parseListen(listen, '--metrics-listen', false, allowRemote);
  const registries = newRegistries();
  const metrics = new RunMetrics(registries);
  const server: MetricsServer = await startMetricsServer({ host: address!.host, port: address!.port, registries });
  io.stderr.write(`portchurn: live metrics at ${server.url}\n`);
  return { update: (labels, line) => metrics.update(labels, line), close: () => server.close() };
}
