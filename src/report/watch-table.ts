import { hostPort } from '../plan/addresses.js';
import type { NetnsLabel, WatchGroup, WatchNat, WatchNatRule, WatchNodeSample, WatchSample } from '../result/watch-sample.js';
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
  const nat = s.nat ? ['', renderWatchNat(s.nat).trimEnd()] : [];
  return (
    [headerOf(s), '', rows.length ? table([head, ...rows]) : '', ...footer, ...nat].filter((l, i) => i < 2 || l !== '').join('\n') + '\n'
  );
}

function ruleText(r: WatchNatRule): string {
  const ports = r.ports ? `${r.ports[0]}-${r.ports[1]}` : '1024-65535';
  const to =
    r.kind === 'snat' && r.addresses
      ? `${r.addresses[0] === r.addresses[1] ? r.addresses[0] : `${r.addresses[0]}-${r.addresses[1]}`}:${ports}`
      : `:${ports}`;
  return `${r.kind} to ${to}${r.flags.length ? ` ${r.flags.join(',')}` : ''}`;
}

/** When a NAT key's pinned mappings fill its rule's range: now, in a duration, or not at this trend. */
function natExhaustionText(m: WatchNat['mappings'][number]): string {
  if (m.exhaustionInSec === 0) return 'exhausted now';
  if (m.exhaustionInSec === undefined || m.exhaustionInSec === null)
    return m.pinnedPerSec === undefined || m.pinnedPerSec === null ? '– (no trend yet)' : 'not at this trend';
  return `in ${formatDurationMs(m.exhaustionInSec * 1000)}`;
}

/** The namespace's NAT: its rules, conntrack's refusals, and each (NAT address, destination) against its range. */
export function renderWatchNat(nat: WatchNat): string {
  const st = nat.stats;
  const failed = nat.insertFailedPerSec === null ? '' : ` (${formatRate(nat.insertFailedPerSec)}/s)`;
  const head = `NAT: ${nat.rules.map(ruleText).join('; ') || 'no rule, mappings held'} · conntrack insert_failed ${formatCount(st.insertFailed)}${failed}, drop ${formatCount(st.drop)}, early_drop ${formatCount(st.earlyDrop)}`;
  const rows = nat.mappings.map((m) => [
    m.natAddress,
    hostPort(m.destination, m.destinationPort),
    formatCount(m.held),
    m.heldShare === null ? '–' : percent(m.heldShare),
    formatCount(m.byState['ESTABLISHED'] ?? 0),
    formatCount((m.byState['TIME_WAIT'] ?? 0) + (m.byState['CLOSE'] ?? 0)),
    m.pinned === undefined ? '–' : formatCount(m.pinned),
    m.pinnedPerSec === undefined || m.pinnedPerSec === null ? '–' : formatRate(m.pinnedPerSec),
    natExhaustionText(m),
  ]);
  const more = nat.moreMappings > 0 ? [`  … and ${formatCount(nat.moreMappings)} more (NAT address, destination) pairs`] : [];
  const partial = nat.complete ? [] : ['  (more keys than the reader counts apart: the totals are exact, the rows are not all)'];
  const header = ['NAT address', 'destination', 'held', 'of range', 'estab', 'TIME_WAIT/CLOSE', 'pinned', 'pinned/s', 'exhaustion'];
  return [head, ...(rows.length ? [table([header, ...rows])] : ['  no NAT mappings held']), ...more, ...partial].join('\n') + '\n';
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
