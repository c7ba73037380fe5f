import { HistogramLogWriter } from 'hdr-histogram-js';
import { createLatencyHistogram, decodeHistogram } from '../result/histogram.js';
import { SECOND_LATENCY_TAGS, SYSCALL_TAGS, type SecondLatency } from '../result/counts.js';
import type { RunResult } from '../result/result.js';
import { histogramStages, type HistogramFile, type HistogramResult } from './hgrm.js';

/** The tag each per-second histogram carries in an interval log. */
export const HLOG_TAGS: Readonly<Record<keyof SecondLatency, string>> = {
  connectUs: 'connect',
  ttfbUs: 'ttfb',
  totalUs: 'total',
  connectCallUs: 'connect-call',
  bindCallUs: 'bind-call',
};

/** The tags a run has: the native engine's system-call times only where it timed them. */
export function hlogKeys(run: RunResult): (keyof SecondLatency)[] {
  return SECOND_LATENCY_TAGS.filter(
    (k) => !(SYSCALL_TAGS as readonly string[]).includes(k) || (run.latency[k as 'connectCallUs'] ?? null) !== null,
  );
}

/**
 * One stage's HdrHistogram interval log (format 1.3, as hdr-histogram-js' HistogramLogWriter
 * writes it): the start time, a base time equal to it so interval timestamps count seconds from
 * the load's start, then for every second of the load one compressed histogram per tag
 * (`connect`, `ttfb`, `total`, and where the native engine timed its own system calls
 * `connect-call` and `bind-call`; an empty one when nothing was recorded), its length the part of
 * the second the load covered. Values in microseconds; the Interval_Max column in milliseconds, as
 * in the .hgrm files. Null for a result from before per-second histograms were kept.
 */
export function renderStageHlog(run: RunResult, name: string): string | null {
  if (!run.timeSeries.some((s) => s.latency)) return null;
  const startMs = Date.parse(run.loadStartedAt ?? run.startedAt);
  let text = '';
  const writer = new HistogramLogWriter((line) => {
    text += line;
  });
  writer.outputLogFormatVersion();
  const keys = hlogKeys(run);
  writer.outputComment(`[portchurn ${name}: tags ${keys.map((k) => HLOG_TAGS[k]).join(', ')}; values in microseconds]`);
  writer.outputStartTime(startMs);
  // HistogramLogReader takes interval timestamps as relative to this (3 decimals, like StartTime).
  writer.outputComment(`[BaseTime: ${(startMs / 1000).toFixed(3)} (seconds since epoch)]`);
  writer.outputLegend();
  for (const s of run.timeSeries) {
    for (const key of keys) {
      const encoded = s.latency?.[key];
      const h = encoded ? decodeHistogram(encoded) : createLatencyHistogram();
      h.tag = HLOG_TAGS[key];
      writer.outputIntervalHistogram(h, s.second, s.second + (s.coveredMs ?? 1000) / 1000, 1000);
    }
  }
  return text;
}

/** The interval logs of a result, one per stage (`stage1`, `tuned-stage1`, `nginx-plain-stage1`). */
export function renderHlog(result: HistogramResult): HistogramFile[] {
  const files: HistogramFile[] = [];
  for (const { name, stage } of histogramStages(result)) {
    const text = renderStageHlog(stage.run, name);
    if (text !== null) files.push({ name, text });
  }
  return files;
}
