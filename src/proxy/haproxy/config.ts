import { quoted } from '../quote.js';
import { hostPort } from '../../plan/addresses.js';
import type { PortRange } from '../../plan/ports.js';
import { isKeepalive, type HaproxyMode, type ProxyVariant } from '../../plan/proxy-variants.js';

/** What a generated haproxy.cfg needs. */
export interface HaproxyConfigInput {
  readonly variant: ProxyVariant;
  readonly mode: HaproxyMode;
  /** Private prefix: the stats socket lives here. */
  readonly prefix: string;
  readonly listenPort: number;
  readonly upstream: { readonly host: string; readonly port: number };
  /** The address every upstream connection is bound to (not split). */
  readonly source: string;
  /** split: one server line per address. */
  readonly splitSources: readonly string[];
  /** ports: the range HAProxy picks source ports from itself (the namespace's ip_local_port_range). */
  readonly portRange: PortRange;
}

/** The stats socket's path in a prefix. */
export function statsSocketPath(prefix: string): string {
  return `${prefix}/haproxy.sock`;
}

function serverLines(c: HaproxyConfigInput): string[] {
  const to = hostPort(c.upstream.host, c.upstream.port);
  if (c.variant === 'split')
    // The known workaround: one server line cannot take several source addresses, so one line per address.
    return c.splitSources.map((address, i) => `    server up${i + 1} ${to} source ${address}`);
  if (c.variant === 'ports') return [`    server up1 ${to} source ${c.source}:${c.portRange.low}-${c.portRange.high}`];
  return [`    server up1 ${to} source ${c.source}`];
}

/**
 * The haproxy.cfg of a variant: one process (`-db`, one thread), its stats socket in the private
 * prefix, nothing else of the host touched.
 * - tcp mode (the default for the churn variants): HAProxy relays the client's close to the
 *   upstream, so it closes first there and holds the TIME_WAIT, one per client connection.
 * - http mode plain: `option http-server-close` closes the server side after each response; HAProxy
 *   2.x ends those connections with an RST (no TIME_WAIT), measured and reported as such.
 * - `source ADDR` fixes the source address; HAProxy sets IP_BIND_ADDRESS_NO_PORT, so connect()
 *   picks the port per 4-tuple. `source ADDR:LOW-HIGH` (ports) has HAProxy bind each port itself,
 *   with SO_REUSEADDR: with TCP timestamps on, a TIME_WAIT 4-tuple is taken over at once.
 * - keepalive: `http-reuse safe` (HAProxy's default: a client's first request gets a connection of
 *   its own); keepalive-tuned: `http-reuse always` (idle connections serve any request).
 * - nolinger: `option nolinger` on the backend: an RST instead of a FIN, so no TIME_WAIT.
 */
export function renderHaproxyConfig(c: HaproxyConfigInput): string {
  const lines = [
    `# portchurn proxy scenario: haproxy, variant ${c.variant} (${c.mode} mode)`,
    'global',
    '    nbthread 1',
    // Each connection takes two descriptors; 4,096 stays inside a 10,000-descriptor limit.
    '    maxconn 4096',
    // Quoted: a prefix with a space stays one word (HAProxy reads "..." with \" and \\ escapes since 1.9).
    `    stats socket ${quoted(statsSocketPath(c.prefix))} mode 600 level admin`,
    '',
    'defaults',
    `    mode ${c.mode}`,
    '    timeout connect 5s',
    '    timeout client 30s',
    '    timeout server 30s',
    // HAProxy's default, stated: a failed connect() is tried 3 more times before the client gets a 503 (http) or a close (tcp).
    '    retries 3',
    ...(c.mode === 'http' && !isKeepalive(c.variant) ? ['    option http-server-close'] : []),
    '',
    'frontend clients',
    `    bind 127.0.0.1:${c.listenPort}`,
    '    default_backend upstream',
    '',
    'backend upstream',
    '    balance roundrobin',
    ...(c.variant === 'keepalive' ? ['    http-reuse safe'] : []),
    ...(c.variant === 'keepalive-tuned' ? ['    http-reuse always'] : []),
    ...(c.variant === 'nolinger' ? ['    option nolinger'] : []),
    ...serverLines(c),
    '',
  ];
  return lines.join('\n');
}
