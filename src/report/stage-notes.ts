import type { RunResult } from '../result/result.js';
import { createLatencyHistogram, decodeHistogram } from '../result/histogram.js';
import type { StageResult } from '../result/sweep-result.js';
import { formatCount, formatDurationMs } from './format.js';
import type { StagesView } from './stages-view.js';
import { TCP_COUNTERS, TCPEXT_COUNTERS } from '../result/environment.js';

/** Every stage of a view, then its reference rows, each with the label reports give it. */
function labelled(view: StagesView): { label: string; stage: StageResult }[] {
  const name = (s: StageResult): string => (view.axis ? `${view.axis} ${s.axisValue}` : 'run');
  return [
    ...view.stages.map((s) => ({ label: view.axis ? `stage ${s.index + 1} (${name(s)})` : 'the run', stage: s })),
    ...view.references.map((s) => ({
      label: `reference (${s.axisValue}${s.run.plan.portMode === 'kernel' ? ', unbound' : ''})`,
      stage: s,
    })),
  ];
}

/** How to avoid a full TIME_WAIT table, said once wherever an overflow is flagged. */
export const OVERFLOW_ADVICE =
  'run each stage in a namespace of its own (the default with the built-in target; leave out --no-netns), use fewer or shorter stages, or raise net.ipv4.tcp_max_tw_buckets inside the namespace with --sysctl';

/** One flag per stage during which the kernel's TIME_WAIT table overflowed. */
export function overflowFlags(view: StagesView): string[] {
  return labelled(view).flatMap(({ label, stage }) => {
    const k = stage.run.kernel;
    const n = k?.tcpExt.TCPTimeWaitOverflow ?? 0;
    if (n === 0) return [];
    return [
      `TIME_WAIT table full in ${label}: TCPTimeWaitOverflow rose by ${formatCount(n)}${k?.scope === 'host' ? ' (a host-wide counter)' : ''}. Those closes skipped TIME_WAIT, so this stage measured a kernel without it and its rate is not comparable; to avoid it, ${OVERFLOW_ADVICE}.`,
    ];
  });
}

/** One line per stage: what held its rate, and the figures that show it. */
export function limitedByLines(view: StagesView): string[] {
  return labelled(view)
    .filter(({ stage }) => stage.run.limitedBy)
    .map(({ label, stage }) => `${label}: ${stage.run.limitedBy!.cause}: ${stage.run.limitedBy!.because}`);
}

/** The median (µs) of a call's per-second histograms over `seconds`; null when none was timed there. */
function callMedianUs(run: RunResult, key: 'connectCallUs' | 'bindCallUs', seconds: readonly number[]): number | null {
  const sum = createLatencyHistogram();
  for (const i of seconds) {
    const h = run.timeSeries[i]?.latency?.[key];
    if (h) sum.add(decodeHistogram(h));
  }
  return sum.totalCount > 0 ? sum.getValueAtPercentile(50) : null;
}

/**
 * What the port search did to a stage, with its own figures: how many connections went fast and
 * why there, where the fall came, the searching call's time before and after it (measured by the
 * native engine, and predicted from the probe), the kernel time it cost, and expected against
 * measured. One line per stage the search shaped.
 */
export function portSearchLine(run: RunResult): string | null {
  const p = run.model.portSearch;
  if (!p) return null;
  const key = p.call === 'bind()' ? 'bindCallUs' : 'connectCallUs';
  let cumulative = 0;
  const before: number[] = [];
  const after: number[] = [];
  // Seconds nine tenths before the fall (the first one often ends just past it), and seconds after it.
  run.timeSeries.forEach((s, i) => {
    if (s.coveredMs === undefined && s.ok > 0 && p.fallAt - cumulative >= 0.9 * s.ok) before.push(i);
    else if (s.coveredMs === undefined && cumulative >= p.fallAt) after.push(i);
    cumulative += s.ok;
  });
  let b = callMedianUs(run, key, before);
  let a = callMedianUs(run, key, after);
  // A fall inside the first second: no whole second lies before it. The stage's own histogram then:
  // its first fallAt calls were the fast ones, the lowest values (fast and walked calls do not overlap).
  const stage = run.latency[key];
  if ((b === null || a === null) && stage && stage.summary.count > p.fallAt) {
    const h = decodeHistogram(stage.hdr);
    const n = h.totalCount;
    b = h.getValueAtPercentile((100 * (p.fallAt / 2)) / n);
    a = h.getValueAtPercentile((100 * (p.fallAt + (n - p.fallAt) / 2)) / n);
  }
  const share = p.call === 'bind()' ? 'a quarter' : 'half';
  const pairs =
    p.call === 'bind()' ? `${p.pairs} source address${p.pairs === 1 ? '' : 'es'}` : `${p.pairs} pair${p.pairs === 1 ? '' : 's'}`;
  const range = run.model.usablePorts ?? 0;
  const cal = run.environment.portSearch;
  const measured =
    b !== null && a !== null
      ? `${p.call} took ${formatCount(b)} µs before it and ${formatCount(a)} µs after (medians the engine timed, ${(a / Math.max(1, b)).toFixed(0)}x)`
      : run.latency.connectCallUs === null
        ? run.engine === 'native'
          ? `${p.call}'s own time was not taken (--no-call-times)`
          : `${p.call}'s own time is not seen by the JavaScript engine`
        : `${p.call}'s time before and after is in the per-second histograms`;
  const predicted =
    p.slowCallUs === null
      ? `not calibrated, so nothing after the fall is predicted`
      : `${formatCount(p.slowCallUs)} µs a call predicted after it (the probe's walk cost${cal ? `; ${cal.kernel}` : ''})`;
  const cpu = run.cpu ? `; the generator spent ${formatCount(run.cpu.generator.systemMs)} ms in the kernel` : '';
  const expected =
    p.expectedPerSec === null ? '' : `; expected ${formatCount(p.expectedPerSec)} ok/s, measured ${formatCount(run.totals.okPerSec)}`;
  if (run.totals.ok < p.fallAt)
    return `port search: the fall comes at ${formatCount(p.fallAt)} connections (${pairs} x ${share} of ${formatCount(range)} ports); this stage made ${formatCount(run.totals.ok)} at ${formatCount(p.fastPerSec)}/s and ended before it${expected}`;
  return `port search: ${formatCount(p.fallAt)} connections went fast (${pairs} x ${share} of ${formatCount(range)} ports, at ${formatCount(p.fastPerSec)}/s), then the fall; ${measured}, ${predicted}${cpu}${expected}`;
}

/** A stage's seconds as the port search shapes them: measured ok, the model's curve, the searching call's median. */
export interface PortSearchSeconds {
  readonly call: 'connect()' | 'bind()';
  readonly seconds: readonly number[];
  readonly ok: readonly number[];
  /** The model's ok in each second (null uncalibrated). */
  readonly model: readonly (number | null)[];
  /** The searching call's median in each second, µs (null: none timed, or the JavaScript engine). */
  readonly callP50Us: readonly (number | null)[];
}

/** The per-second view of a stage the port search shaped (whole seconds only); null where it did not. */
export function portSearchSeconds(run: RunResult): PortSearchSeconds | null {
  const p = run.model.portSearch;
  if (!p) return null;
  const key = p.call === 'bind()' ? 'bindCallUs' : 'connectCallUs';
  const whole = run.timeSeries.map((s, i) => ({ s, i })).filter(({ s }) => s.coveredMs === undefined);
  return {
    call: p.call,
    seconds: whole.map(({ s }) => s.second),
    ok: whole.map(({ s }) => s.ok),
    model: whole.map(({ i }) => p.curve[i] ?? null),
    callP50Us: whole.map(({ i }) => callMedianUs(run, key, [i])),
  };
}

/** One port-search line per stage the search shaped. */
export function portSearchLines(view: StagesView): string[] {
  return labelled(view).flatMap(({ label, stage }) => {
    const line = portSearchLine(stage.run);
    return line ? [`${label}: ${line}`] : [];
  });
}

/** Header and rows of the kernel's counters per stage (deltas over the stage). */
export function kernelCounterTable(view: StagesView): { header: string[]; rows: string[][]; hostScoped: boolean } {
  const header = ['stage', 'scope', ...TCP_COUNTERS, ...TCPEXT_COUNTERS];
  const entries = labelled(view);
  const rows = entries.map(({ label, stage }) => {
    const k = stage.run.kernel;
    if (!k) return [label, 'not read', ...header.slice(2).map(() => '–')];
    return [
      label,
      k.scope,
      // A counter the kernel did not give (or a result from before it was read): –, not 0.
      ...TCP_COUNTERS.map((c) => (k.tcp[c] === undefined ? '–' : formatCount(k.tcp[c]))),
      ...TCPEXT_COUNTERS.map((c) => (k.tcpExt[c] === undefined ? '–' : formatCount(k.tcpExt[c]))),
    ];
  });
  return { header, rows, hostScoped: entries.some(({ stage }) => stage.run.kernel?.scope === 'host') };
}

function share(ms: number, wallMs: number): string {
  return wallMs > 0 ? `${Math.round((100 * ms) / wallMs)} %` : '–';
}

function cpuCells(run: RunResult): string[] {
  const c = run.cpu;
  if (!c) return ['–', '–', '–', '–', '–'];
  const gen = c.generator.userMs + c.generator.systemMs;
  return [
    formatDurationMs(c.wallMs),
    `${formatCount(c.generator.userMs)} / ${formatCount(c.generator.systemMs)} ms`,
    share(gen, c.wallMs),
    c.target ? `${formatCount(c.target.userMs)} / ${formatCount(c.target.systemMs)} ms` : 'outside portchurn',
    c.target ? share(c.target.userMs + c.target.systemMs, c.wallMs) : '–',
  ];
}

/** Header and rows of the CPU each side spent per stage. */
export function cpuTable(view: StagesView): { header: string[]; rows: string[][] } {
  return {
    header: [
      'stage',
      'load ran',
      'generator user / system',
      'generator, of one core',
      'built-in target user / system',
      'target, of one core',
    ],
    rows: labelled(view).map(({ label, stage }) => [label, ...cpuCells(stage.run)]),
  };
}

/** What the kernel-counter table means, and whose counters they are. */
export function kernelCounterNote(hostScoped: boolean): string {
  return `Deltas of /proc/net/snmp (Tcp) and /proc/net/netstat (TcpExt) from the start of the load to the end of the stage. ActiveOpens counts connect()s that sent a SYN, PassiveOpens the connections the target accepted, TW the sockets that entered TIME_WAIT.${
    hostScoped
      ? " Rows scoped 'host' were read in the host's namespace: they include every other program's connections."
      : ' Each stage had a namespace of its own: the counts are its alone.'
  }`;
}
