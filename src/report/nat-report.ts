import { formatCount, formatRate, table } from './format.js';
import { mdTable } from './markup.js';
import type { NatAxis, NatResult, NatStageResult } from '../result/nat-result.js';

const COLUMNS = [
  'NAT ports',
  'NAT addresses',
  'mappings',
  'ok/s',
  'x base',
  'errors',
  'connects >= 1 s',
  'insert_failed',
  'drop',
  'held at end',
  'port search found',
  'softirq ms/s',
  'limited by',
];

/** The first column names the axis (`stage` for results from before it). */
function headerOf(result: NatResult): string[] {
  return [result.axis ?? 'stage', ...COLUMNS];
}

/** The host's softirq time a second of the stage (the router's forwarding, NAT and conntrack run there). */
function softirqPerSec(s: NatStageResult): string {
  const c = s.hostCpu;
  return c && c.wallMs > 0 ? formatCount(Math.round((1000 * c.softirqMs) / c.wallMs)) : '–';
}

function cells(s: NatStageResult, base: number): string[] {
  const ok = s.client.totals.okPerSec;
  const r = s.connectRetransmits;
  const held = s.conntrack.heldAtEnd.reduce((n, m) => n + m.total, 0);
  return [
    s.label === 'full' ? 'ref full' : s.label,
    `${s.natPorts.low}-${s.natPorts.high}`,
    `${s.model.natAddressesUsed.length} of ${s.natAddresses ?? s.model.natAddressesUsed.length}`,
    formatCount(s.model.mappings),
    formatRate(ok),
    base > 0 ? `${(ok / base).toFixed(2)}x` : '–',
    formatCount(s.client.totals.errorCount),
    `${formatCount(r.atLeast1s)} (${r.connects > 0 ? ((100 * r.atLeast1s) / r.connects).toFixed(1) : '0'} %)`,
    formatCount(s.conntrack.delta.insertFailed),
    formatCount(s.conntrack.delta.drop),
    formatCount(held),
    formatCount(s.conntrack.delta.found),
    softirqPerSec(s),
    s.limitedBy ?? '–',
  ];
}

/** How a title names each axis' values. */
const AXIS_NAMES: Readonly<Record<NatAxis, string>> = {
  'nat-ports': 'NAT ports',
  'nat-addresses': 'NAT addresses',
  destinations: 'destination addresses',
  'destination-ports': 'destination ports',
  pods: 'pods',
  rate: 'new connections a second',
  close: 'closing sides',
  'nat-flags': 'NAT port flags',
  'conn-limit': 'conntrack table limits',
};

function describe(result: NatResult): string {
  const sc = result.scene;
  const first = result.stages[0]?.client.plan;
  const load = first
    ? first.load.kind === 'closed'
      ? `${first.load.connections} connections in a closed loop, close ${first.close}`
      : `${first.load.ratePerSec}/s in an open loop, close ${first.close}`
    : '';
  const many = (sc.destinations ?? 1) > 1;
  const towards = `${many ? `${sc.destinations} addresses from ` : ''}${sc.destination.host}:${sc.destination.port}`;
  const p = sc.profile;
  const profile = p
    ? `; ${p.system} (--profile ${p.name}) at 1/${formatCount(p.scale)}: ${formatCount(p.ports)} ports ${p.perSource ? 'a pod, apart (a rule per pod)' : 'a NAT address and destination'} for its ${formatCount(p.publishedPorts)}, conntrack timeouts in the router ${
        Object.entries(p.conntrackTimeouts)
          .map(([k, v]) => `${k} ${v} s`)
          .join(', ') || 'unchanged'
      }, ports and time scaled together; the router is Linux's NAT with the system's figures (${p.source}), not the system itself`
    : '';
  return `${sc.kind} of ${sc.pods} pods (198.18.0.0/16) to ${sc.natAddresses} NAT address${sc.natAddresses === 1 ? '' : 'es'}${sc.flags.length ? ` (${sc.flags.join(',')})` : ''}, towards ${towards}; ${load}; the ${AXIS_NAMES[result.axis ?? 'nat-ports']} change from stage to stage, every stage a scene of its own (pods, an nftables router, the built-in target), the router's conntrack read through ctnetlink, the host's softirq time beside it (the router forwards and tracks there)${profile}`;
}

const CLOSING = ['FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK'] as const;
const OPENING = ['SYN_SENT', 'SYN_RECV', 'SYN_SENT2'] as const;

/** The router's mappings each second of a stage, by state, and the key holding most against its ports. */
function bySecond(s: NatStageResult): string[] {
  const rows = s.conntrack.perSecond.map((p) => {
    const n = (states: readonly string[]): number => states.reduce((a, k) => a + ((p.byState as Record<string, number>)[k] ?? 0), 0);
    const top = p.mappings?.[0];
    const ports = s.model.portsPerPod ? s.natPorts.high - s.natPorts.low + 1 : s.model.portsPerAddress;
    return [
      String(p.second + 1),
      formatCount(p.total),
      formatCount(n(OPENING)),
      formatCount(n(['ESTABLISHED'])),
      formatCount(n(CLOSING)),
      formatCount(n(['TIME_WAIT', 'CLOSE'])),
      top ? `${top.natAddress} → ${top.destination}:${top.port}: ${formatCount(top.total)} of ${formatCount(ports)}` : '–',
    ];
  });
  if (rows.length === 0) return [];
  return [
    "The router's NAT mappings each second (ctnetlink), by state, and the (NAT address, destination) holding most against its ports:",
    '',
    mdTable(['second', 'held', 'opening', 'established', 'closing', 'TIME_WAIT or CLOSE', 'holding most'], rows),
    '',
  ];
}

/** The stages side by side (the first is the baseline of `x base`), then each stage's reading. */
export function renderNatSummary(result: NatResult): string {
  const base = result.stages[0]?.client.totals.okPerSec ?? 0;
  const rows = result.stages.map((s) => cells(s, base));
  const readings = result.stages.map((s) => `  stage ${s.label}: ${s.reading}`);
  return `portchurn nat${result.interrupted ? ' (INTERRUPTED: partial result)' : ''}: ${describe(result)}\n\n${table([headerOf(result), ...rows])}\n\n${readings.join('\n')}\n`;
}

/** The Markdown report: the scene, the stages side by side, each reading and the router's rule. */
export function renderNatMarkdown(result: NatResult, verdict: readonly string[]): string {
  const base = result.stages[0]?.client.totals.okPerSec ?? 0;
  return [
    `# portchurn nat: ${result.stages.map((s) => s.label).join(', ')} ${AXIS_NAMES[result.axis ?? 'nat-ports']}`,
    '',
    ...verdict,
    `Started ${result.startedAt}: ${describe(result)}.`,
    '',
    mdTable(
      headerOf(result),
      result.stages.map((s) => cells(s, base)),
    ),
    '',
    ...result.stages.flatMap((s) => [
      `## Stage ${s.label}`,
      '',
      `${s.reading}.`,
      '',
      ...bySecond(s),
      '```',
      s.ruleset.trimEnd(),
      '```',
      '',
    ]),
  ].join('\n');
}
