import { portCount, portRangeText } from '../plan/ports.js';
import { formatCount, formatRate, table } from './format.js';
import type { LimitsReport } from '../result/limits-report.js';

function keyValues(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

/** `portchurn limits` for a terminal. */
export function renderLimits(report: LimitsReport): string {
  const env = report.environment;
  const s = env.sysctls;
  const range = portRangeText(s['net.ipv4.ip_local_port_range']);
  const allLoopback = report.loopback.ipv4.every((p) => p.ok);
  const lines = [
    `This host: ${env.platform} ${env.kernelRelease}, Node ${env.nodeVersion}`,
    keyValues([
      [
        'ip_local_port_range',
        `${s['net.ipv4.ip_local_port_range'] ?? 'unknown'}${range ? ` (${formatCount(portCount(range))} ports)` : ''}`,
      ],
      ['ip_local_reserved_ports', s['net.ipv4.ip_local_reserved_ports'] || '(none)'],
      ['tcp_tw_reuse', `${s['net.ipv4.tcp_tw_reuse'] ?? 'unknown'}${s['net.ipv4.tcp_tw_reuse'] === '2' ? ' (loopback only)' : ''}`],
      [
        'tcp_tw_reuse_delay',
        s['net.ipv4.tcp_tw_reuse_delay'] === null ? 'absent (1 s fixed in this kernel)' : `${s['net.ipv4.tcp_tw_reuse_delay']} ms`,
      ],
      ['tcp_max_tw_buckets', s['net.ipv4.tcp_max_tw_buckets'] ?? 'unknown'],
      ['tcp_timestamps', s['net.ipv4.tcp_timestamps'] ?? 'unknown'],
      ['somaxconn', s['net.core.somaxconn'] ?? 'unknown'],
      ['open-file limit', String(env.openFileLimit ?? 'unknown')],
      [
        '127/8 loopback',
        allLoopback
          ? `all of it answers (bound ${report.loopback.ipv4.map((p) => p.address).join(', ')})`
          : `only some: ${report.loopback.ipv4.map((p) => `${p.address} ${p.ok ? 'ok' : 'no'}`).join(', ')}; add aliases to lo`,
      ],
      [
        'IPv6 loopback',
        report.loopback.ipv6Loopback
          ? report.loopback.ipv6Other
            ? '::1 and more'
            : '::1 only on the host; in its own namespaces portchurn makes an IPv6 prefix local (--sources 2001:2::/48)'
          : 'no ::1',
      ],
    ]),
    '',
  ];
  const q = report.question;
  const asked = q.ratePerSec === null ? 'capacity per source address' : `${formatCount(q.ratePerSec)} new connections/s`;
  lines.push(
    `Planning: ${asked}, ${q.close} closes first, port mode ${q.portMode}${q.portMode === 'nobind' ? " (the default sweep's and the proxies' path)" : ''}, ${q.destinations} destination${q.destinations === 1 ? '' : 's'} (target not on loopback)`,
  );
  lines.push(
    table([
      [
        'system or profile',
        'ports',
        'hold',
        'per source/s',
        'fast per source/s',
        ...(q.ratePerSec === null ? [] : ['sources needed', 'to stay fast', 'ports, one source']),
        'settings',
      ],
      ...report.rows.map((r) => [
        r.name,
        formatCount(r.usablePorts),
        r.holdSec === null ? '–' : `${r.holdSec} s`,
        r.perSourcePerSec === null ? 'not port-bound' : formatRate(r.perSourcePerSec),
        r.fastPerSourcePerSec === null ? '–' : formatRate(r.fastPerSourcePerSec),
        ...(q.ratePerSec === null
          ? []
          : [
              String(r.sourcesNeeded),
              r.fastSourcesNeeded === null ? '–' : String(r.fastSourcesNeeded),
              r.portsNeededOneSource === null ? (r.perSourcePerSec === null ? '–' : 'more than fit') : formatCount(r.portsNeededOneSource),
            ]),
        r.note,
      ]),
    ]),
  );
  lines.push('', ...portSearchText(report));
  if (report.nat) lines.push('', ...natText(report.nat));
  if (q.ratePerSec !== null && q.close === 'client') {
    lines.push(
      '',
      `Or let the server close first (or reset): then client ports are not what limits the rate. Sources needed is the N for nginx's proxy_bind split (split_clients over N addresses).`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The two budgets explained, with what this kernel's probe measured. */
function portSearchText(report: LimitsReport): string[] {
  const q = report.question;
  const bind = q.portMode === 'bind';
  const host = report.rows[0]!;
  const lines = [
    `Two budgets per source address: "per source/s" is where the range runs out (every port held for the hold time); "fast per source/s" is where Linux's port search stops finding a port at the first try: ${
      bind
        ? 'bind() takes the odd ports of the lower half from a random offset, a quarter of the range'
        : 'connect() takes one parity first, from where its last search for the same (source, destination) stopped, half the range'
    }, and past it every ${bind ? 'bind()' : 'connect()'} walks the ports held (docs/kernel.md).`,
  ];
  if (report.portSearch === null) lines.push(`This kernel's search was not probed: ${report.portSearchWhy ?? 'no reason given'}.`);
  else
    lines.push(
      `This kernel (${report.portSearch.kernel}), probed in a namespace of its own in ${formatCount(report.portSearch.tookMs)} ms: ${report.portSearch.behaviour}.`,
      ...(report.slowCallUs === null || host.fastPerSourcePerSec === null
        ? []
        : [
            `Above ${formatRate(host.fastPerSourcePerSec)} a source here, a ${bind ? 'bind()' : 'connect()'} costs about ${formatCount(report.slowCallUs)} µs of kernel time (probe), so one core makes at most about ${formatCount(Math.floor(1e6 / report.slowCallUs))} a second.`,
          ]),
    );
  return lines;
}

/** The NAT planning: addresses per NAT for the rate and for the connections open at once. */
function natText(nat: NonNullable<LimitsReport['nat']>): string[] {
  const q = nat.question;
  const asked = [
    q.ratePerSec === null ? null : `${formatCount(q.ratePerSec)} new connections/s`,
    q.open === null ? null : `${formatCount(q.open)} open at once`,
  ]
    .filter(Boolean)
    .join(' and ');
  return [
    `Behind a NAT: ${asked || 'capacity per NAT address'} to ${q.destinations} destination${q.destinations === 1 ? '' : 's'} (each pod hashed onto one NAT address per destination, docs/nat.md)`,
    table([
      [
        'NAT',
        'ports per address (or source) and destination',
        'after close',
        'per address and destination/s',
        'addresses for the rate',
        'addresses for the open',
        'what it says',
      ],
      ...nat.rows.map((r) => [
        r.profile.name,
        formatCount(r.profile.portsPerDestination),
        r.profile.holdAfterCloseSec === null
          ? 'not stated'
          : r.profile.holdAfterCloseSec === 0
            ? 'taken back'
            : `${r.profile.holdAfterCloseSec} s`,
        r.perAddressPerDestinationPerSec === null ? '–' : formatRate(r.perAddressPerDestinationPerSec),
        r.addressesForRate === null
          ? '–'
          : `${formatCount(r.addressesForRate)}${perSource(r)}${r.overMax ? ` (over its ${r.profile.maxAddresses})` : ''}`,
        r.addressesForOpen === null ? '–' : `${formatCount(r.addressesForOpen)}${perSource(r)}`,
        `${r.profile.note} [${r.profile.source}]`,
      ]),
    ]),
  ];
}

/** A system that allocates its ports per source (VM, pod): what a load needs is sources, each with its own ports, not addresses. */
function perSource(r: { readonly profile: { readonly perSource?: boolean } }): string {
  return r.profile.perSource ? ' sources' : '';
}
