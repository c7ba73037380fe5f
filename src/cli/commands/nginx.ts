import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { NGINX_DEFAULTS, UPSTREAM_CLOSE_POLICIES, nginxScenario, type NginxOptions } from '../../nginx/scenario.js';
import { SWEEP_DEFAULTS } from '../../sweep/sweep.js';
import { declareOptions, describedAs, fieldsOf, type OptionTable } from '../option-table.js';
import { RUN_OPTIONS } from './run.js';
import { renderProgress } from '../../report/progress.js';
import { EXIT, printError, type CliIo } from '../output.js';
import { stopOnSignals, stoppingMessage } from '../signals.js';
import { RESULTS_DIR, parseReportFormats, saveResult } from '../save-result.js';

/** The options of `portchurn nginx`, stated once. */
export const NGINX_OPTIONS = {
  variants: { type: 'string', field: 'variants', default: NGINX_DEFAULTS.variants, describe: 'plain, split, keepalive, wide, reuse' },
  sources: {
    type: 'string',
    field: 'sources',
    default: String(NGINX_DEFAULTS.sources),
    describe: 'split: loopback source addresses nginx binds upstream connections to',
  },
  'split-key': {
    type: 'string',
    field: 'splitKey',
    default: NGINX_DEFAULTS.splitKey,
    describe: 'split: the split_clients key ($request_id splits per request)',
  },
  'upstream-close': {
    type: 'string',
    field: 'upstreamClose',
    choices: UPSTREAM_CLOSE_POLICIES,
    default: NGINX_DEFAULTS.upstreamClose,
    describe: 'client: the upstream keeps connections open, nginx closes first (the failing case)',
  },
  'nginx-bin': { type: 'string', field: 'nginxBin', describe: 'the nginx binary', defaultDescription: 'nginx on PATH, or /usr/sbin/nginx' },
  profile: {
    type: 'string',
    field: 'profile',
    default: NGINX_DEFAULTS.profile,
    describe: "the namespace's settings (host, no-reuse, loopback-reuse, reuse, narrow)",
  },
  'profiles-file': { type: 'string', field: 'profilesFile', describe: 'JSON file of named sysctl sets' },
  sysctl: { type: 'string', field: 'sysctl', array: true, describe: 'NAME=VALUE set in each namespace (repeatable)' },
  connections: describedAs(RUN_OPTIONS.connections, 'keepalive client connections to nginx'),
  rate: describedAs(RUN_OPTIONS.rate, 'open loop: requests per second to nginx'),
  duration: { type: 'string', field: 'duration', alias: 'd', describe: 'per variant', libraryDefault: NGINX_DEFAULTS.duration },
  requests: describedAs(RUN_OPTIONS.requests, 'per variant'),
  timeout: describedAs(RUN_OPTIONS.timeout, 'per request'),
  'keepalive-connections': {
    type: 'string',
    field: 'keepaliveConnections',
    describe: "keepalive variant: nginx's idle upstream connections",
    defaultDescription: 'as many as --connections',
  },
  'sample-interval': describedAs(RUN_OPTIONS['sample-interval'], 'socket sampling period'),
  engine: describedAs(RUN_OPTIONS.engine, "the client side's engine"),
  out: { type: 'string', default: RESULTS_DIR, describe: 'directory for the JSON result and reports' },
  reports: { type: 'string', default: SWEEP_DEFAULTS.reports, describe: "reports written beside the JSON ('' for none)" },
  json: { type: 'boolean', describe: 'print the result JSON' },
  quiet: { type: 'boolean', alias: 'q', describe: 'print nothing' },
} as const satisfies OptionTable;

/** Declares the options of `portchurn nginx` on `y`. */
export function nginxOptions(y: Argv) {
  return declareOptions(y, NGINX_OPTIONS);
}

/** Parsed arguments of `portchurn nginx`. */
export type NginxArgs = Awaited<ReturnType<typeof nginxOptions>['argv']>;

/** `portchurn nginx`: the upstream exhaustion case and its fixes, side by side. */
export async function nginxCommand(argv: NginxArgs, io: CliIo): Promise<number> {
  const formats = parseReportFormats(argv.reports);
  const options: NginxOptions = fieldsOf(NGINX_OPTIONS, argv);
  const stop = stopOnSignals((name) => printError(io, stoppingMessage(name)));
  const showProgress = !argv.quiet && !argv.json && io.stderr.isTTY === true;
  try {
    const result = await nginxScenario(options, {
      signal: stop.signal,
      ...(showProgress
        ? {
            onProgress: (stage, p) =>
              io.stderr.write(`\r\x1b[2Kvariant ${stage.index + 1}/${stage.count} ${stage.axisValue} ${renderProgress(p)}`),
          }
        : {}),
    });
    if (showProgress) io.stderr.write('\r\x1b[2K');
    const saved = await saveResult(io, { dir: argv.out, prefix: 'nginx', formats, json: argv.json, quiet: argv.quiet }, result);
    if (saved !== EXIT.ok) return saved;
    return stop.exitStatus() ?? EXIT.ok;
  } finally {
    stop.dispose();
  }
}

/** `portchurn nginx`. */
export const NGINX_COMMAND = defineCommand({
  usage: 'nginx',
  describe: "reproduce nginx's upstream port exhaustion (502, errno 99) with a real nginx, and its fixes, side by side",
  options: nginxOptions,
  examples: [
    ['$0 nginx', 'plain, split over 8 addresses, upstream keepalive; 1,000-port namespaces, 20 s each'],
    ["$0 nginx --variants plain,split --sources 4 --split-key '$request_id' -d 10s", 'a per-request split key'],
  ],
  run: nginxCommand,
});
