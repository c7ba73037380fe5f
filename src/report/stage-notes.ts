import type { RunResult } from '../result/result.js';
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
      ...TCP_COUNTERS.map((c) => formatCount(k.tcp[c] ?? 0)),
      ...TCPEXT_COUNTERS.map((c) => formatCount(k.tcpExt[c] ?? 0)),
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
