import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client';

/** The two expositions every metric is registered in: Prometheus text and OpenMetrics (chosen by the scrape's Accept). */
export interface MetricsRegistries {
  readonly prometheus: Registry;
  readonly openMetrics: Registry<OpenMetricsContentType>;
}

export function newRegistries(): MetricsRegistries {
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return { prometheus: new Registry(), openMetrics };
}

/** Both registries, as prom-client's `registers` option takes them. */
export function registersOf(r: MetricsRegistries): Registry[] {
  return [r.prometheus, r.openMetrics as unknown as Registry];
}

/** Registers a hand-built metric (a histogram from cumulative buckets) in both. */
export function registerIn(r: MetricsRegistries, metric: Metric): void {
  r.prometheus.registerMetric(metric);
  r.openMetrics.registerMetric(metric);
}
