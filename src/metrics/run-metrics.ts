import { Counter, Gauge, type Metric } from 'prom-client';
import type { Progress } from '../result/progress.js';
import { registerIn, registersOf, type MetricsRegistries } from './registries.js';

/** Which stage a progress line is of: its number, and its value on the sweep's axis (`1` and `kernel` for a run). */
export interface StageLabels {
  readonly stage: string;
  readonly value: string;
}

const LABELS = ['stage', 'value'] as const;

/**
 * A load's live counters as Prometheus metrics, updated from each second's progress line: attempts,
 * successes and errors by code as counters, what is in flight, and the successes' latency as a
 * histogram, per stage, so a run shows in Grafana while it goes.
 */
export class RunMetrics {
  private readonly attempts: Counter<string>;
  private readonly ok: Counter<string>;
  private readonly errors: Counter<string>;
  private readonly inFlight: Gauge<string>;
  private readonly elapsed: Gauge<string>;
  /** What each counter series has been given so far (progress lines carry running totals). */
  private readonly given = new Map<string, number>();
  /** The last latency buckets of each stage, for the histogram. */
  private readonly latency = new Map<string, { labels: StageLabels; line: NonNullable<Progress['latency']> }>();

  constructor(registries: MetricsRegistries) {
    const registers = registersOf(registries);
    this.attempts = new Counter({
      name: 'portchurn_run_attempts_total',
      help: 'Connection attempts started',
      labelNames: LABELS,
      registers,
    });
    this.ok = new Counter({ name: 'portchurn_run_ok_total', help: 'Attempts that succeeded', labelNames: LABELS, registers });
    this.errors = new Counter({
      name: 'portchurn_run_errors_total',
      help: 'Attempts that failed, by error code (EADDRNOTAVAIL, TIMEOUT, HTTP_5XX...)',
      labelNames: [...LABELS, 'code'],
      registers,
    });
    this.inFlight = new Gauge({ name: 'portchurn_run_in_flight', help: 'Attempts in flight', labelNames: LABELS, registers });
    this.elapsed = new Gauge({ name: 'portchurn_run_elapsed_seconds', help: 'Time the stage has run', labelNames: LABELS, registers });
    const histogram: Metric = {
      name: 'portchurn_run_latency_seconds',
      help: 'Total latency of the attempts that succeeded, from start to the full response',
      type: 'histogram',
      aggregator: 'sum',
      get: () => Promise.resolve(this.histogram()),
    } as unknown as Metric;
    registerIn(registries, histogram);
  }

  /** Takes one progress line of a stage. */
  update(labels: StageLabels, line: Progress): void {
    this.advance(this.attempts, { ...labels }, line.attempts);
    this.advance(this.ok, { ...labels }, line.ok);
    for (const [code, n] of Object.entries(line.errorCodes ?? {})) this.advance(this.errors, { ...labels, code }, n ?? 0);
    this.inFlight.set({ ...labels }, line.inFlight);
    this.elapsed.set({ ...labels }, line.elapsedMs / 1000);
    if (line.latency) this.latency.set(JSON.stringify(labels), { labels, line: line.latency });
  }

  /** Moves a counter up to a running total. */
  private advance(counter: Counter<string>, labels: Record<string, string>, total: number): void {
    const key = `${counter === this.attempts ? 'attempts' : counter === this.ok ? 'ok' : 'errors'} ${JSON.stringify(labels)}`;
    const before = this.given.get(key) ?? 0;
    if (total > before || !this.given.has(key)) counter.inc(labels, Math.max(0, total - before));
    this.given.set(key, Math.max(before, total));
  }

  /** The latency histogram's series, from each stage's cumulative buckets (seconds). */
  private histogram(): object {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    const name = 'portchurn_run_latency_seconds';
    for (const { labels, line } of this.latency.values()) {
      line.boundsUs.forEach((bound, i) =>
        values.push({ labels: { ...labels, le: bound / 1e6 }, value: line.counts[i] ?? 0, metricName: `${name}_bucket` }),
      );
      values.push({ labels: { ...labels, le: '+Inf' }, value: line.count, metricName: `${name}_bucket` });
      values.push({ labels: { ...labels }, value: line.sumUs / 1e6, metricName: `${name}_sum` });
      values.push({ labels: { ...labels }, value: line.count, metricName: `${name}_count` });
    }
    return {
      name,
      help: 'Total latency of the attempts that succeeded, from start to the full response',
      type: 'histogram',
      aggregator: 'sum',
      values,
    };
  }
}
