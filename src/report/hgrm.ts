import { decodeHistogram } from '../result/histogram.js';
import type { RunLatency, RunResult } from '../result/result.js';
import type { SweepResult } from '../result/sweep-result.js';
import { stagesOf } from './stages-view.js';
import type { LabResult } from '../result/lab-result.js';
import type { ProxyResult } from '../result/proxy-result.js';
import type { StageResult } from '../result/sweep-result.js';

/** One histogram file to write (.hgrm or .hlog): a name suffix and its text. */
export interface HistogramFile {
  /** `stage1-totalUs` */
  readonly name: string;
  readonly text: string;
}

/** Results whose stages have histograms. */
export type HistogramResult = RunResult | SweepResult | LabResult | ProxyResult;

/**
 * Every stage of a result with the file-name prefix that keeps stages apart: `stage1`, a lab's
 * `tuned-stage1`, a proxy's `nginx-plain-stage1` (the proxy's kind first: both proxies have a
 * `plain` variant).
 */
export function histogramStages(result: HistogramResult): { readonly name: string; readonly stage: StageResult }[] {
  const parts =
    result.kind === 'lab'
      ? result.profiles.map((p) => ({ prefix: `${p.name}-`, result: p.sweep as RunResult | SweepResult }))
      : result.kind === 'proxy'
        ? result.variants.map((v) => ({ prefix: `${v.kind}-${v.variant}-`, result: v.client as RunResult | SweepResult }))
        : [{ prefix: '', result }];
  return parts.flatMap((part) => stagesOf(part.result).stages.map((stage) => ({ name: `${part.prefix}stage${stage.index + 1}`, stage })));
}

/**
 * HdrHistogram's percentile-distribution text (what the HdrHistogram plotter reads), values in
 * milliseconds, 5 ticks per half distance: one per stage and histogram.
 */
export function renderHgrm(result: HistogramResult): HistogramFile[] {
  const files: HistogramFile[] = [];
  for (const { name: stageName, stage } of histogramStages(result)) {
    for (const [name, encoded] of Object.entries(stage.run.latency) as [keyof RunLatency, RunLatency[keyof RunLatency]][]) {
      if (!encoded || encoded.summary.count === 0) continue;
      files.push({ name: `${stageName}-${name}`, text: decodeHistogram(encoded.hdr).outputPercentileDistribution(5, 1000) });
    }
  }
  return files;
}

/** Reads back the Value / Percentile columns of an .hgrm text (for checks and tooling). */
export function parseHgrm(text: string): { valueMs: number; percentile: number; totalCount: number }[] {
  const rows: { valueMs: number; percentile: number; totalCount: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([\d.]+)\s+([\d.]+)\s+(\d+)/.exec(line);
    if (m) rows.push({ valueMs: Number(m[1]), percentile: Number(m[2]), totalCount: Number(m[3]) });
  }
  return rows;
}
