import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { PROXY_DEFAULTS, UPSTREAM_CLOSE_POLICIES, proxyScenario, type ProxyOptions } from '../../proxy/scenario.js';
import { HAPROXY_MODES, PROXY_VARIANTS } from '../../plan/proxy-variants.js';
import { SWEEP_DEFAULTS } from '../../sweep/sweep.js';
import { declareOptions, describedAs, fieldsOf, type OptionTable } from '../option-table.js';
import { RUN_OPTIONS } from './run.js';
import { renderProgress } from '../../report/progress.js';
import { printError, type CliIo } from '../output.js';
import { stopOnSignals, stoppingMessage } from '../signals.js';
import { RESULTS_DIR, ciOutputs, parseReportFormats } from '../save-result.js';
import { finishCommand } from '../finish.js';

/** The options `portchurn proxy` and `portchurn nginx` share, stated once. */
const SHARED_OPTIONS = {
  variants: { type: 'string', field: 'variants', default: PROXY_DEFAULTS.variants, describe: PROXY_VARIANTS.join(', ') },
  sources: {
    type: 'string',
    field: 'sources',
    default: String(PROXY_DEFAULTS.sources),
    describe: 'split: loopback source addresses the proxy binds upstream connections to',
  },
  'split-key': {
    type: 'string',
    field: 'splitKey',
    default: PROXY_DEFAULTS.splitKey,
    describe: 'split (nginx): the split_clients key ($request_id splits per request)',
  },
  'upstream-close': {
    type: 'string',
    field: 'upstreamClose',
    choices: UPSTREAM_CLOSE_POLICIES,
    default: PROXY_DEFAULTS.upstreamClose,
    describe: 'client: the upstream keeps connections open, the proxy closes first (the failing case)',
  },
  'nginx-bin': { type: 'string', field: 'nginxBin', describe: 'the nginx binary', defaultDescription: 'nginx on PATH, or /usr/sbin/nginx' },
  profile: {
    type: 'string',
    field: 'profile',
    default: PROXY_DEFAULTS.profile,
    describe: "the namespace's settings (host, no-reuse, loopback-reuse, reuse, narrow)",
  },
  'profiles-file': { type: 'string', field: 'profilesFile', describe: 'JSON file of named sysctl sets' },
  sysctl: { type: 'string', field: 'sysctl', array: true, describe: 'NAME=VALUE set in each namespace (repeatable)' },
  connections: describedAs(RUN_OPTIONS.connections, 'client connections to the proxy'),
  rate: describedAs(RUN_OPTIONS.rate, 'open loop: requests per second to the proxy'),
  duration: { type: 'string', field: 'duration', alias: 'd', describe: 'per variant', libraryDefault: PROXY_DEFAULTS.duration },
  requests: describedAs(RUN_OPTIONS.requests, 'per variant'),
  timeout: describedAs(RUN_OPTIONS.timeout, 'per request'),
  'keepalive-connections': {
    type: 'string',
    field: 'keepaliveConnections',
    describe: "keepalive variants (nginx): the upstream pool's idle connections",
    defaultDescription: 'as many as --connections',
  },
  'sample-interval': describedAs(RUN_OPTIONS['sample-interval'], 'socket sampling period'),
  engine: describedAs(RUN_OPTIONS.engine, "the client side's engine"),
  workers: describedAs(RUN_OPTIONS.workers, "the client side's generator threads"),
  out: { type: 'string', default: RESULTS_DIR, describe: 'directory for the JSON result and reports' },
  reports: { ...RUN_OPTIONS.reports, default: SWEEP_DEFAULTS.reports },
  json: { type: 'boolean', describe: 'print the result JSON' },
  quiet: { type: 'boolean', alias: 'q', describe: 'print nothing' },
  junit: RUN_OPTIONS.junit,
} as const satisfies OptionTable;

/** The options of `portchurn proxy`, stated once. */
export const PROXY_OPTIONS = {
  kind: { type: 'string', field: 'kind', default: PROXY_DEFAULTS.kind, describe: 'nginx, haproxy, or both (nginx,haproxy) in one table' },
  ...SHARED_OPTIONS,
  'haproxy-bin': {
    type: 'string',
    field: 'haproxyBin',
    describe: 'the haproxy binary',
    defaultDescription: 'haproxy on PATH, or /usr/sbin/haproxy',
  },
  'haproxy-mode': {
    type: 'string',
    field: 'haproxyMode',
    choices: HAPROXY_MODES,
    default: PROXY_DEFAULTS.haproxyMode,
    describe:
      "HAProxy's mode for the variants that are not keepalive: tcp relays the client's close (HAProxy holds the TIME_WAIT); http resets server connections",
  },
} as const satisfies OptionTable;

/** The options of `portchurn nginx`: the proxy scenario's, for nginx alone. */
export const NGINX_OPTIONS = SHARED_OPTIONS;

/** Declares the options of `portchurn proxy` on `y`. */
export function proxyOptions(y: Argv) {
  return declareOptions(y, PROXY_OPTIONS);
}

/** Declares the options of `portchurn nginx` on `y`. */
export function nginxOptions(y: Argv) {
  return declareOptions(y, NGINX_OPTIONS);
}

/** Parsed arguments of either command (nginx's lack the proxy's own). */
type ProxyArgs = Awaited<ReturnType<typeof proxyOptions>['argv']>;
type NginxArgs = Awaited<ReturnType<typeof nginxOptions>['argv']>;

async function runScenario(
  options: ProxyOptions,
  argv: Pick<ProxyArgs, 'out' | 'reports' | 'json' | 'quiet' | 'junit'>,
  prefix: string,
  io: CliIo,
): Promise<number> {
  const formats = parseReportFormats(argv.reports);
  const stop = stopOnSignals((name) => printError(io, stoppingMessage(name)));
  const showProgress = !argv.quiet && !argv.json && io.stderr.isTTY === true;
  try {
    const result = await proxyScenario(options, {
      signal: stop.signal,
      ...(showProgress
        ? {
            onProgress: (stage, p) =>
              io.stderr.write(`\r\x1b[2Kvariant ${stage.index + 1}/${stage.count} ${stage.axisValue} ${renderProgress(p)}`),
          }
        : {}),
    });
    if (showProgress) io.stderr.write('\r\x1b[2K');
    return await finishCommand(
      io,
      { dir: argv.out, prefix, formats, json: argv.json, quiet: argv.quiet, ...ciOutputs(argv.junit) },
      result,
      stop,
    );
  } finally {
    stop.dispose();
  }
}

/** `portchurn proxy`: the upstream exhaustion case on real proxies and its fixes, side by side. */
export function proxyCommand(argv: ProxyArgs, io: CliIo): Promise<number> {
  return runScenario(fieldsOf(PROXY_OPTIONS, argv), argv, 'proxy', io);
}

/** `portchurn nginx`: `portchurn proxy --kind nginx`. */
export function nginxCommand(argv: NginxArgs, io: CliIo): Promise<number> {
  return runScenario({ ...fieldsOf(NGINX_OPTIONS, argv), kind: 'nginx' }, argv, 'nginx', io);
}

/** `portchurn proxy`. */
export const PROXY_COMMAND = defineCommand({
  usage: 'proxy',
  describe: "reproduce a reverse proxy's upstream port exhaustion with a real nginx or HAProxy, and its fixes, side by side",
  options: proxyOptions,
  examples: [
    ['$0 proxy --kind nginx,haproxy', 'both proxies: plain, split over 8 addresses, keepalive and tuned keepalive; 20 s each'],
    ['$0 proxy --kind haproxy --variants plain,ports,nolinger -d 10s', "HAProxy's source port range and nolinger"],
    ['$0 proxy --kind haproxy --haproxy-mode http --variants plain', 'HAProxy in http mode: resets instead of TIME_WAIT'],
  ],
  run: proxyCommand,
});

/** `portchurn nginx`. */
export const NGINX_COMMAND = defineCommand({
  usage: 'nginx',
  describe: "reproduce nginx's upstream port exhaustion (502, errno 99) with a real nginx, and its fixes: portchurn proxy --kind nginx",
  options: nginxOptions,
  examples: [
    ['$0 nginx', 'plain, split over 8 addresses, keepalive and tuned keepalive; 1,000-port namespaces, 20 s each'],
    ["$0 nginx --variants plain,split --sources 4 --split-key '$request_id' -d 10s", 'a per-request split key'],
  ],
  run: nginxCommand,
});
