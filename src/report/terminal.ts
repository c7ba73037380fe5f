import type { Plan } from '../plan/plan.js';
import type { RunResult } from '../result/result.js';
import { formatCount, formatDurationMs, formatLatencyUs, formatRate, table } from './format.js';
import { overflowFlags, portSearchLine } from './stage-notes.js';
import { stagesOf } from './stages-view.js';
import { verdictTerminal } from './verdict-text.js';
import type { ErrorCounts } from '../result/counts.js';
import type { EncodedHistogram } from '../result/latency.js';

/** Most source addresses listed one per line; beyond, the spread is summarised. */
const MAX_SOURCE_ROWS = 16;

/** `EADDRINUSE 120, TIMEOUT 3`, largest first. */
export function formatErrors(errors: ErrorCounts): string {
  const entries = Object.entries(errors).filter(([, n]) => (n ?? 0) > 0) as [string, number][];
  if (entries.length === 0) return 'none';
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${formatCount(n)}`)
    .join(', ');
}

/** One line describing the load model and bounds of a plan. */
export function describeLoad(plan: Plan): string {
  const model =
    plan.load.kind === 'closed'
      ? `closed loop, ${plan.load.connections} connections`
      : `open loop at ${formatRate(plan.load.ratePerSec)}/s (max ${plan.load.maxInFlight} in flight)`;
  const bounds = [
    plan.durationMs === null ? null : formatDurationMs(plan.durationMs),
    plan.requests === null ? null : `${formatCount(plan.requests)} requests`,
  ].filter(Boolean);
  return `${model}, up to ${bounds.join(' or ')}`;
}

function describeSources(plan: Plan): string {
  const s = plan.sources;
  if (s.length === 0) return 'chosen by the kernel';
  if (s.length === 1) return s[0]!;
  return `${s.length} addresses (${s[0]} … ${s[s.length - 1]})`;
}

/** Which call the kernel's port search runs in, for a port path. */
export function searchCallOf(portMode: Plan['portMode']): 'connect()' | 'bind()' {
  return portMode === 'bind' || portMode === 'explicit' ? 'bind()' : 'connect()';
}

function latencyRow(label: string, h: EncodedHistogram): string[] {
  const s = h.summary;
  if (s.count === 0) return [label, '0', '-', '-', '-', '-', '-', '-', '-'];
  return [label, formatCount(s.count), ...[s.minUs, s.p50Us, s.p90Us, s.p99Us, s.p999Us, s.maxUs, s.meanUs].map(formatLatencyUs)];
}

function sourcesSection(result: RunResult): string {
  const rows = result.sources;
  if (rows.length <= MAX_SOURCE_ROWS) {
    return table([
      ['source', 'attempts', 'ok', 'errors'],
      ...rows.map((r) => [r.address, formatCount(r.attempts), formatCount(r.ok), formatErrors(r.errors)]),
    ]);
  }
  const oks = rows.map((r) => r.ok);
  return `  ${rows.length} sources: ok per source min ${formatCount(Math.min(...oks))}, max ${formatCount(Math.max(...oks))} (every address is in the JSON result)`;
}

/** The end-of-run summary printed to the terminal, rendered from the result alone. */
export function renderRunSummary(result: RunResult): string {
  const { plan, totals, latency } = result;
  const targetLine =
    result.target.kind === 'builtin'
      ? `${result.target.url} (built-in target, ${result.target.closePolicy === 'server' ? 'server closes first' : 'keeps connections open for the client to close'})`
      : result.target.url;
  const view = stagesOf(result);
  const lines = [
    `portchurn run${result.interrupted ? ' (INTERRUPTED: partial result)' : ''}`,
    ...(view.sharedHost ? [`  ${view.sharedHost}`] : [`  namespace   a fresh one of its own (profile ${plan.netns?.profile ?? 'none'})`]),
    ...(view.namespaceLine ? [`  ${view.namespaceLine}`] : []),
    ...overflowFlags(view).map((f) => `  WARNING: ${f}`),
    `  target      ${targetLine}`,
    `  sources     ${describeSources(plan)}, port mode ${plan.portMode}${plan.explicitPorts ? ` (ports ${plan.explicitPorts.low}-${plan.explicitPorts.high})` : ''}`,
    `  close       ${plan.close}`,
    `  engine      ${result.engine ?? 'js'}${plan.workers > 1 ? ` (${plan.workers} threads)` : ''}${result.engineReason ? `: ${result.engineReason}` : ''}`,
    `  load        ${describeLoad(plan)}; ran ${formatDurationMs(totals.durationMs)}`,
    '',
    table([
      ['', 'attempts', 'ok', 'errors', 'attempts/s', 'ok/s'],
      [
        'total',
        formatCount(totals.attempts),
        formatCount(totals.ok),
        formatCount(totals.errorCount),
        formatRate(totals.attemptsPerSec),
        formatRate(totals.okPerSec),
      ],
    ]),
    `  errors      ${formatErrors(totals.errors)}`,
    '',
    table([
      ['latency', 'count', 'min', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'],
      latencyRow('connect', latency.connectUs),
      latencyRow('first byte', latency.ttfbUs),
      latencyRow(latency.totalCorrectedUs ? 'total (uncorrected)' : 'total', latency.totalUs),
      ...(latency.totalCorrectedUs ? [latencyRow('total (corrected)', latency.totalCorrectedUs)] : []),
      ...(latency.connectCallUs ? [latencyRow('connect() call', latency.connectCallUs)] : []),
      ...(latency.bindCallUs ? [latencyRow('bind() call', latency.bindCallUs)] : []),
    ]),
    ...(latency.totalCorrectedUs
      ? ['  corrected: measured from the scheduled send time (coordinated omission); uncorrected: from the actual send']
      : []),
    latency.connectCallUs
      ? `  calls       the time inside connect() and bind() themselves, timed by the native engine: the kernel's port search runs in ${searchCallOf(plan.portMode)}`
      : result.engine === 'native' && plan.callTimes === false
        ? '  calls       connect() and bind() were not timed (--no-call-times)'
        : '  calls       connect() and bind() are timed by the native engine only; the JavaScript engine cannot see inside them',
    '',
    sourcesSection(result),
  ];
  if (result.target.stats) {
    const remotes = Object.keys(result.target.stats.byRemoteAddress).length;
    lines.push(
      `  target saw  ${formatCount(result.target.stats.connections)} connections, ${formatCount(result.target.stats.requests)} requests, from ${remotes} address${remotes === 1 ? '' : 'es'}`,
    );
  }
  if (result.hosts) {
    lines.push(
      '',
      table([
        ['generator host', 'file', 'attempts', 'ok', 'errors', 'ok/s'],
        ...result.hosts.map((h) => [
          h.hostname,
          h.file,
          formatCount(h.attempts),
          formatCount(h.ok),
          formatCount(h.errorCount),
          formatRate(h.okPerSec),
        ]),
      ]),
    );
  }
  const k = result.kernel;
  if (k)
    lines.push(
      `  kernel      ${k.scope === 'host' ? 'host-wide ' : ''}ActiveOpens ${formatCount(k.tcp.ActiveOpens ?? 0)}, PassiveOpens ${formatCount(k.tcp.PassiveOpens ?? 0)}, TW ${formatCount(k.tcpExt.TW ?? 0)}, TWRecycled ${formatCount(k.tcpExt.TWRecycled ?? 0)}, TCPTimeWaitOverflow ${formatCount(k.tcpExt.TCPTimeWaitOverflow ?? 0)}`,
    );
  const c = result.cpu;
  if (c)
    lines.push(
      `  cpu         generator ${formatCount(c.generator.userMs)} ms user + ${formatCount(c.generator.systemMs)} ms system${c.target ? `; built-in target ${formatCount(c.target.userMs)} + ${formatCount(c.target.systemMs)} ms` : ''}, over ${formatDurationMs(c.wallMs)}`,
    );
  if (result.limitedBy) lines.push(`  limited by  ${result.limitedBy.cause}: ${result.limitedBy.because}`);
  const search = portSearchLine(result);
  if (search) lines.push(`  ${search}`);
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  lines.push(...verdictTerminal(result));
  return `${lines.join('\n')}\n`;
}
