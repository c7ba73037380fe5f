import { decodeHistogram } from '../result/histogram.js';
import type { RunLatency, RunResult } from '../result/result.js';
import type { SweepResult } from '../result/sweep-result.js';
import { stagesOf } from './stages-view.js';
import type { LabResult } from '../result/lab-result.js';
import type { ProxyResult } from '../result/proxy-result.js';

/** One .hgrm file to write: a name suffix and its text. */
export interface HgrmFile {
  /** `stage1-totalUs` */
  readonly name: string;
  readonly text: string;
}

/**
 * HdrHistogram's percentile-distribution text (what the HdrHistogram plotter reads), values in
 * milliseconds, 5 ticks per half distance: one per stage and histogram.
 */
export function renderHgrm(result: RunResult | SweepResult | LabResult | ProxyResult): HgrmFile[] {
  const parts =
    result.kind === 'lab'
      ? result.profiles.map((p) => ({ prefix: `${p.name}-`, result: p.sweep as RunResult | SweepResult }))
      : result.kind === 'proxy'
        ? result.variants.map((v) => ({ prefix: `${v.variant}-`, result: v.client as RunResult | SweepResult }))
        : [{ prefix: '', result }];
  const files: HgrmFile[] = [];
  for (const part of parts) {
    for (const stage of stagesOf(part.result).stages) {
      for (const [name, encoded] of Object.entries(stage.run.latency) as [keyof RunLatency, RunLatency[keyof RunLatency]][]) {
        if (!encoded || encoded.summary.count === 0) continue;
        files.push({
          name: `${part.prefix}stage${stage.index + 1}-${name}`,
          text: decodeHistogram(encoded.hdr).outputPercentileDistribution(5, 1000),
        });
      }
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
