import { hostPort } from '../plan/addresses.js';
import type { NetnsLabel, WatchGroup, WatchNodeSample, WatchSample } from '../result/watch-sample.js';
import { formatCount, formatDurationMs, formatRate, table } from './format.js';

/** When a group runs out: now, in a duration, or not at this rate. */
export function exhaustionText(g: WatchGroup): string {
  if (g.exhaustionInSec === 0) return 'exhausted now';
  if (g.exhaustionInSec === null) return g.newPerSec === null ? '– (no rate yet)' : 'not at this rate';
  return `in ${formatDurationMs(g.exhaustionInSec * 1000)}`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/** The header lines: when, how read, the port budget and the TIME_WAIT rules. */
function headerOf(s: WatchSample): string {
  const p = s.ports;
  const reuse = s.timeWait.twReuse === null ? 'tcp_tw_reuse unknown' : `tcp_tw_reuse=${s.timeWait.twReuse}`;
  const delay = s.timeWait.twReuseDelayMs === null ? '' : ` (delay ${s.timeWait.twReuseDelayMs} ms)`;
  const rate = s.intervalMs === null ? 'first read, no rates yet' : `rates over ${formatDurationMs(s.intervalMs)}`;
  return [
    `portchurn watch · ${s.endedAt} · ${s.via} · ${rate}`,
    `usable ports per source and destination: ${formatCount(p.usablePorts)} = ${p.low}-${p.high} (${formatCount(p.rangePorts)})` +
      ` − ${formatCount(p.reservedInRange)} reserved − ${formatCount(p.boundInRange)} bound without a destination (${p.boundSeen} seen)`,
    `${reuse}${delay} · TIME_WAIT ${s.timeWait.timeWaitSec} s · ${formatCount(s.totals.sockets)} sockets, ${formatCount(s.totals.groups)} client groups: ` +
      `${formatCount(s.totals.established)} established, ${formatCount(s.totals.timeWait)} TIME_WAIT, ${formatCount(s.totals.other)} other`,
  ].join('\n');
}

/** A watch sample as a table, closest to exhaustion first. */
export function renderWatchSample(s: WatchSample): string {
  const head = ['source', 'destination', 'estab', 'TIME_WAIT', 'other', 'held', 'of usable', 'new/s', 'exhaustion', 'steady held'];
  const rows = s.groups.map((g) => [
    g.source,
    hostPort(g.destination, g.destinationPort),
    formatCount(g.established),
    formatCount(g.timeWait),
    formatCount(g.other),
    formatCount(g.held),
    percent(g.heldShare),
    g.newPerSec === null ? '–' : formatRate(g.newPerSec),
    exhaustionText(g),
    g.steadyHeld === null ? '–' : `${formatCount(g.steadyHeld)} (${percent(g.steadyHeld / Math.max(1, g.usablePorts))})`,
  ]);
  const filters = [...s.filters.sources.map((f) => `--src ${f}`), ...s.filters.destinations.map((f) => `--dst ${f}`)];
  const footer = [
    s.groups.length === 0 ? '  no client connections' + (filters.length ? ` match ${filters.join(' ')}` : '') : '',
    s.moreGroups > 0 ? `  … and ${formatCount(s.moreGroups)} more groups (--top ${s.filters.top})` : '',
  ].filter(Boolean);
  return [headerOf(s), '', rows.length ? table([head, ...rows]) : '', ...footer].filter((l, i) => i < 2 || l !== '').join('\n') + '\n';
}

/** A namespace as an operator recognises it: its id and a process in it, with the container and pod. */
export function netnsText(n: NetnsLabel): string {
  const who = n.pid === null ? 'no process found' : `pid ${n.pid} ${n.command ?? ''}`.trim();
  const where = [n.container ? `container ${n.container.slice(0, 12)}` : '', n.pod ? `pod ${n.pod}` : ''].filter(Boolean).join(', ');
  return `net:[${n.inode}]${n.own ? ' (this one)' : ''} · ${who}${where ? ` · ${where}` : ''}`;
}

/** One read of several namespaces: a table each, then those that could not be read. */
export function renderWatchNode(node: WatchNodeSample): string {
  const parts = node.samples.map((s) => `namespace ${s.netns ? netnsText(s.netns) : 'this one'}\n${renderWatchSample(s)}`);
  for (const u of node.unreadable) parts.push(`namespace ${netnsText(u.netns)}: not read: ${u.error}`);
  return parts.join('\n');
}
