import type { Argv } from 'yargs';
import { NGINX_DEFAULTS, nginxScenario, type NginxOptions } from '../../nginx/scenario.js';
import { ENGINE_CHOICES, PLAN_DEFAULTS } from '../../plan/plan.js';
import { renderProgress } from '../../report/progress.js';
import { EXIT, printError, type CliIo } from '../output.js';
import { stopOnSignals, stoppingMessage } from '../signals.js';
import { parseReportFormats, saveResult } from '../save-result.js';

/** Options of `portchurn nginx`. */
export function nginxOptions<T>(y: Argv<T>) {
  return y
    .option('variants', { type: 'string', default: NGINX_DEFAULTS.variants, describe: 'plain, split, keepalive, wide, reuse' })
    .option('sources', {
      type: 'string',
      default: String(NGINX_DEFAULTS.sources),
      describe: 'split: loopback source addresses nginx binds upstream connections to',
    })
    .option('split-key', {
      type: 'string',
      default: NGINX_DEFAULTS.splitKey,
      describe: 'split: the split_clients key ($request_id splits per request)',
    })
    .option('upstream-close', {
      type: 'string',
      choices: ['client', 'server'],
      default: 'client',
      describe: 'client: the upstream keeps connections open, nginx closes first (the failing case)',
    })
    .option('nginx-bin', { type: 'string', describe: 'the nginx binary [default: nginx on PATH, or /usr/sbin/nginx]' })
    .option('profile', {
      type: 'string',
      default: NGINX_DEFAULTS.profile,
      describe: "the namespace's settings (host, no-reuse, loopback-reuse, reuse, narrow)",
    })
    .option('profiles-file', { type: 'string', describe: 'JSON file of named sysctl sets' })
    .option('sysctl', { type: 'string', array: true, describe: 'NAME=VALUE set in each namespace (repeatable)' })
    .option('connections', {
      type: 'string',
      alias: 'c',
      describe: `keepalive client connections to nginx [default: ${PLAN_DEFAULTS.connections}]`,
    })
    .option('rate', { type: 'string', alias: 'r', describe: 'open loop: requests per second to nginx' })
    .option('duration', { type: 'string', alias: 'd', describe: `per variant [default: ${NGINX_DEFAULTS.duration}]` })
    .option('requests', { type: 'string', alias: 'n', describe: 'per variant' })
    .option('timeout', { type: 'string', describe: `per request [default: ${PLAN_DEFAULTS.timeout}]` })
    .option('keepalive-connections', {
      type: 'string',
      describe: "keepalive variant: nginx's idle upstream connections [default: as many as --connections]",
    })
    .option('sample-interval', { type: 'string', describe: `socket sampling period [default: ${PLAN_DEFAULTS.sampleInterval}]` })
    .option('engine', { type: 'string', choices: ENGINE_CHOICES, describe: `the client side's engine [default: ${PLAN_DEFAULTS.engine}]` })
    .option('out', { type: 'string', default: 'results', describe: 'directory for the JSON result and reports' })
    .option('reports', { type: 'string', default: 'md,html,hgrm', describe: "reports written beside the JSON ('' for none)" })
    .option('json', { type: 'boolean', describe: 'print the result JSON' })
    .option('quiet', { type: 'boolean', alias: 'q', describe: 'print nothing' });
}

/** Parsed arguments of `portchurn nginx`. */
export type NginxArgs = Awaited<ReturnType<typeof nginxOptions>['argv']>;

/** `portchurn nginx`: the upstream exhaustion case and its fixes, side by side. */
export async function nginxCommand(argv: NginxArgs, io: CliIo): Promise<number> {
  const formats = parseReportFormats(argv.reports);
  const options: NginxOptions = Object.fromEntries(
    Object.entries({
      variants: argv.variants,
      sources: argv.sources,
      splitKey: argv['split-key'],
      upstreamClose: argv['upstream-close'] as 'client' | 'server',
      nginxBin: argv['nginx-bin'],
      profile: argv.profile,
      profilesFile: argv['profiles-file'],
      sysctl: argv.sysctl?.map(String),
      connections: argv.connections,
      rate: argv.rate,
      duration: argv.duration,
      requests: argv.requests,
      timeout: argv.timeout,
      keepaliveConnections: argv['keepalive-connections'],
      sampleInterval: argv['sample-interval'],
      engine: argv.engine,
    }).filter(([, v]) => v !== undefined),
  );
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
