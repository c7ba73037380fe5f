import { quoted } from '../quote.js';
import { hostPort } from '../../plan/addresses.js';
import { isKeepalive, type ProxyVariant } from '../../plan/proxy-variants.js';

/** What a generated configuration needs. */
export interface NginxConfigInput {
  readonly variant: ProxyVariant;
  /** Private prefix: pid file, logs and temp files live here. */
  readonly prefix: string;
  readonly listenPort: number;
  readonly upstream: { readonly host: string; readonly port: number };
  /** split: the loopback addresses nginx binds its upstream connections to. */
  readonly splitSources: readonly string[];
  /** split: the split_clients key (the blog's `$remote_addr$remote_port`, or `$request_id`). */
  readonly splitKey: string;
  /** keepalive: idle upstream connections kept per worker. */
  readonly keepaliveConnections: number;
}

/** `split_clients` percentages: an equal share each, two decimals, the last takes the rest (`*`). */
export function splitShares(sources: readonly string[]): string[] {
  const share = Math.floor(10000 / sources.length) / 100;
  return sources.map((s, i) => (i === sources.length - 1 ? `        *       ${s};` : `        ${share}%  ${s};`));
}

/**
 * The nginx.conf of a variant. Every path is inside the private prefix; one process (no master,
 * no user switch) so it runs the same as root or in an unprivileged namespace, and its pid is
 * the one portchurn started.
 * - plain: nginx's defaults: HTTP/1.0 upstream, a new upstream connection per request, nginx
 *   closing it first, so the TIME_WAIT and the port shortage are nginx's.
 * - split: split_clients over N source addresses and proxy_bind, as in the NGINX blog post.
 * - keepalive: an upstream keepalive pool with HTTP/1.1 and an empty Connection header, with
 *   nginx's own limits: a kept upstream connection is closed after `keepalive_requests` (1,000)
 *   requests and after `keepalive_time` (1 h), so a busy pool still churns.
 * - keepalive-tuned: the same with both limits raised in the upstream block.
 * - wide, reuse: plain, with a wider ip_local_port_range or tcp_tw_reuse=1 set in the namespace.
 */
export function renderNginxConfig(c: NginxConfigInput): string {
  const upstreamServer = hostPort(c.upstream.host, c.upstream.port);
  const keepalive = isKeepalive(c.variant);
  const lines = [
    `# portchurn proxy scenario: nginx, variant ${c.variant}`,
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${quoted(`${c.prefix}/nginx.pid`)};`,
    `error_log ${quoted(`${c.prefix}/logs/error.log`)} error;`,
    'events {',
    '    worker_connections 16384;',
    '}',
    'http {',
    '    access_log off;',
    `    client_body_temp_path ${quoted(`${c.prefix}/temp/client`)};`,
    `    proxy_temp_path ${quoted(`${c.prefix}/temp/proxy`)};`,
    `    fastcgi_temp_path ${quoted(`${c.prefix}/temp/fastcgi`)};`,
    `    uwsgi_temp_path ${quoted(`${c.prefix}/temp/uwsgi`)};`,
    `    scgi_temp_path ${quoted(`${c.prefix}/temp/scgi`)};`,
    // Client connections (the http level): the load keeps its connections, so never close them for their count.
    '    keepalive_requests 1000000;',
    '',
    '    upstream backend {',
    `        server ${upstreamServer};`,
    ...(keepalive ? [`        keepalive ${c.keepaliveConnections};`] : []),
    // The upstream block's own limits (nginx 1.15.3 and 1.19.10): the http-level ones do not apply here.
    ...(c.variant === 'keepalive-tuned' ? ['        keepalive_requests 1000000;', '        keepalive_time 1d;'] : []),
    '    }',
  ];
  if (c.variant === 'split') {
    lines.push('', `    split_clients "${c.splitKey}" $split_ip {`, ...splitShares(c.splitSources), '    }');
  }
  lines.push(
    '',
    '    server {',
    `        listen 127.0.0.1:${c.listenPort};`,
    '        location / {',
    '            proxy_pass http://backend;',
    ...(c.variant === 'split' ? ['            proxy_bind $split_ip;'] : []),
    ...(keepalive ? ['            proxy_http_version 1.1;', '            proxy_set_header Connection "";'] : []),
    '        }',
    '    }',
    '}',
    '',
  );
  return lines.join('\n');
}
