import type { StageResult } from '../result/sweep-result.js';
import { formatCount, formatDurationMs, formatRate } from './format.js';
import { formatErrors, searchCallOf } from './terminal.js';

/** The figures of one stage row, as numbers (for charts) and as text (for tables). */
export interface StageRow {
  readonly stage: number;
  /** A labelled reference row (never the baseline), shown as `ref`. */
  readonly reference: boolean;
  readonly axisValue: string;
  readonly space: string;
  readonly tuples: number;
  readonly offeredPerSec: number | null;
  readonly okPerSec: number;
  readonly xBaseline: number | null;
  readonly modelPerSec: number | null;
  /** The model's ceiling comes from the offered rate, not the ports. */
  readonly modelIsOffered: boolean;
  readonly measuredOverModel: number | null;
  readonly errorPct: number;
  readonly errorsPerSec: number;
  readonly topErrors: string;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly peakTimeWaitClient: number | null;
  readonly peakTimeWaitServer: number | null;
  readonly firstExhaustion: string;
  /** What held the rate (see model/limited-by.ts); '–' in results from before 0.2. */
  readonly limitedBy: string;
  /** The call the port search ran in and its p50 and p99 (µs); null where the engine did not time it. */
  readonly searchCall: { readonly name: 'connect()' | 'bind()'; readonly p50Us: number; readonly p99Us: number } | null;
}

/** The p50 and p99 of the call the stage's port search ran in, from the native engine's timings. */
function searchCallRow(r: StageResult['run']): StageRow['searchCall'] {
  const name = searchCallOf(r.plan.portMode);
  const h = name === 'bind()' ? r.latency.bindCallUs : r.latency.connectCallUs;
  if (!h || h.summary.count === 0) return null;
  return { name, p50Us: h.summary.p50Us, p99Us: h.summary.p99Us };
}

/** One row per stage, then one per reference row; ratios are to stage 0, the baseline. */
export function stageRows(stages: readonly StageResult[], references: readonly StageResult[] = []): StageRow[] {
  const baseline = stages[0]?.run.totals.okPerSec ?? 0;
  return [...stages, ...references].map((s, i) => {
    const r = s.run;
    const t = r.totals;
    const total = r.latency.totalCorrectedUs ?? r.latency.totalUs;
    const tuples = s.space.sources * s.space.destinations * s.space.ports;
    const fe = r.firstExhaustion;
    // Where the port search shaped the stage, its expected ok/s is the model's figure; otherwise what the ports allow.
    const model = r.model.portSearch?.expectedPerSec ?? r.model.ceilingPerSec;
    return {
      stage: s.index + 1,
      reference: i >= stages.length,
      axisValue: i >= stages.length ? `${s.axisValue} (reference)` : s.axisValue,
      space: `${s.space.sources} x ${s.space.destinations} x ${formatCount(s.space.ports)}`,
      tuples,
      offeredPerSec: r.plan.load.kind === 'open' ? r.plan.load.ratePerSec : null,
      okPerSec: t.okPerSec,
      xBaseline: baseline > 0 ? t.okPerSec / baseline : null,
      modelPerSec: model,
      modelIsOffered: r.model.limitedBy === 'offered',
      measuredOverModel: model ? t.okPerSec / model : null,
      errorPct: t.attempts > 0 ? (100 * t.errorCount) / t.attempts : 0,
      errorsPerSec: t.durationMs > 0 ? (t.errorCount * 1000) / t.durationMs : 0,
      topErrors: formatErrors(t.errors).split(', ').slice(0, 2).join(', '),
      p50Us: total.summary.p50Us,
      p99Us: total.summary.p99Us,
      p999Us: total.summary.p999Us,
      peakTimeWaitClient: r.sockets?.peakTimeWait.client ?? null,
      peakTimeWaitServer: r.sockets?.peakTimeWait.server ?? null,
      firstExhaustion: fe ? `${fe.code} after ${formatCount(fe.okBefore)} ok, at ${formatDurationMs(fe.atMs)}` : 'none',
      limitedBy: r.limitedBy?.cause ?? '–',
      searchCall: searchCallRow(r),
    };
  });
}

/** Column headings of the stage table. */
export function stageHeader(axis: string | null): string[] {
  return [
    'stage',
    axis ?? 'sources',
    '4-tuple space (src x dst x ports)',
    'offered/s',
    'ok/s',
    'x baseline',
    'model ok/s',
    'measured / model',
    'errors',
    'total p50 ms',
    'p99 ms',
    'p99.9 ms',
    'peak TIME_WAIT client / server',
    'first exhaustion',
    'limited by',
    'port search µs p50 / p99',
  ];
}

/** A latency column keeps one unit (its heading says ms), so 4.27 and 127.81 compare at a glance. */
function formatMs(us: number): string {
  return (us / 1000).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function ratio(n: number | null): string {
  return n === null ? '–' : `${n.toFixed(2)}x`;
}

/** A row as table cells. */
export function stageCells(row: StageRow): string[] {
  const tw = row.peakTimeWaitClient === null ? '–' : `${formatCount(row.peakTimeWaitClient)} / ${formatCount(row.peakTimeWaitServer ?? 0)}`;
  return [
    row.reference ? 'ref' : String(row.stage),
    row.axisValue,
    `${row.space} = ${formatCount(row.tuples)}`,
    row.offeredPerSec === null ? 'closed loop' : formatRate(row.offeredPerSec),
    formatRate(row.okPerSec),
    ratio(row.xBaseline),
    row.modelPerSec === null ? 'not port-bound' : `${formatRate(row.modelPerSec)}${row.modelIsOffered ? ' (offered)' : ''}`,
    ratio(row.measuredOverModel),
    row.errorPct === 0 ? '0 %' : `${row.errorPct.toFixed(1)} % (${row.topErrors})`,
    formatMs(row.p50Us),
    formatMs(row.p99Us),
    formatMs(row.p999Us),
    tw,
    row.firstExhaustion,
    row.limitedBy,
    row.searchCall ? `${formatCount(row.searchCall.p50Us)} / ${formatCount(row.searchCall.p99Us)} ${row.searchCall.name}` : '–',
  ];
}
