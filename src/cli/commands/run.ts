import type { Argv } from 'yargs';
import { type RunOptions } from '../../plan/build-plan.js';
import { renderProgress } from '../../report/progress.js';
import { renderRunSummary } from '../../report/terminal.js';
import { saveResult } from '../save-result.js';
import { EXIT, printError, type CliIo } from '../output.js';
import { stopOnSignals, stoppingMessage } from '../signals.js';
import { failedThresholds } from '../threshold-report.js';
import { CLOSE_POLICIES, ENGINE_CHOICES, KEEPALIVE_CLIENTS, PLAN_DEFAULTS, PORT_MODES } from '../../plan/plan.js';
import { BUILTIN_PROFILES } from '../../env/profiles.js';
import { DEFAULT_NAMESPACE_PROFILE } from '../../env/resolve-namespace.js';
import { resolvePlan, run } from '../../runner/run.js';

/** Options of `portchurn run`, declared for yargs; values reach `buildPlan` as typed, unparsed. */
export function runOptions<T>(y: Argv<T>) {
  return y
    .option('target', { type: 'string', describe: 'http://, https:// or tcp://host:port; default: the built-in target', group: 'Target:' })
    .option('listen', {
      type: 'string',
      describe: `built-in target: ADDRESS:PORT list (port 0 = any) [default: ${PLAN_DEFAULTS.listen}]`,
      group: 'Target:',
    })
    .option('delay', {
      type: 'string',
      describe: `built-in target: fixed response delay, e.g. 5ms [default: ${PLAN_DEFAULTS.delay}]`,
      group: 'Target:',
    })
    .option('body-size', {
      type: 'string',
      describe: `built-in target: response body size [default: ${PLAN_DEFAULTS.bodySize}]`,
      group: 'Target:',
    })
    .option('allow-remote', { type: 'boolean', describe: 'allow a target outside loopback (this tool exhausts ports)', group: 'Target:' })
    .option('insecure', { type: 'boolean', describe: 'https: accept any certificate', group: 'Target:' })
    .option('sources', { type: 'string', describe: 'source addresses: N, list, range A-B or CIDR', group: 'Sources:' })
    .option('source-base', {
      type: 'string',
      describe: `first address when --sources is a count [default: ${PLAN_DEFAULTS.sourceBase}]`,
      group: 'Sources:',
    })
    .option('port-mode', {
      type: 'string',
      choices: PORT_MODES,
      describe:
        'who picks the source port; nobind (IP_BIND_ADDRESS_NO_PORT, native engine) lets connect() pick it per destination [default: kernel without --sources, bind with]',
      group: 'Sources:',
    })
    .option('engine', {
      type: 'string',
      choices: ENGINE_CHOICES,
      describe: `native (C, epoll threads) or js (Node net); auto: native where it was built and can run the plan [default: ${PLAN_DEFAULTS.engine}]`,
      group: 'Load:',
    })
    .option('explicit-ports', {
      type: 'string',
      describe: 'explicit mode: LO-HI cycled per address [default: above ip_local_port_range]',
      group: 'Sources:',
    })
    .option('socket-port-range', {
      type: 'string',
      describe:
        'LO-HI: IP_LOCAL_PORT_RANGE on every socket (native engine, Linux 6.3+): a narrower port range for this run alone, no sysctl',
      group: 'Sources:',
    })
    .option('allow-ephemeral-overlap', {
      type: 'boolean',
      describe: 'explicit mode: allow ports inside ip_local_port_range',
      group: 'Sources:',
    })
    .option('close', {
      type: 'string',
      choices: CLOSE_POLICIES,
      describe: `who closes first [default: ${PLAN_DEFAULTS.close}]`,
      group: 'Load:',
    })
    .option('connections', {
      type: 'string',
      alias: 'c',
      describe: `closed loop: connections in flight [default: ${PLAN_DEFAULTS.connections}]`,
      group: 'Load:',
    })
    .option('rate', { type: 'string', alias: 'r', describe: 'open loop: requests per second', group: 'Load:' })
    .option('max-in-flight', {
      type: 'string',
      describe: `open loop: most connections in flight [default: ${PLAN_DEFAULTS.maxInFlight}]`,
      group: 'Load:',
    })
    .option('fail-on', {
      type: 'string',
      array: true,
      describe: "exit 1 when this holds after the run, e.g. 'error-rate>1%', 'p99>50ms', 'ok-rate<0.9*predicted' (repeatable)",
      group: 'Load:',
    })
    .option('keepalive-client', {
      type: 'string',
      choices: KEEPALIVE_CLIENTS,
      describe: `--close keepalive: raw sockets (fast) or undici (reference) [default: ${PLAN_DEFAULTS.keepaliveClient}]`,
      group: 'Load:',
    })
    .option('workers', {
      type: 'string',
      alias: 'w',
      describe: `generator threads; sources and connections are divided among them [default: ${PLAN_DEFAULTS.workers}]`,
      group: 'Load:',
    })
    .option('duration', {
      type: 'string',
      alias: 'd',
      describe: `run length, e.g. 10s, 2m [default: ${PLAN_DEFAULTS.duration} unless --requests]`,
      group: 'Load:',
    })
    .option('requests', { type: 'string', alias: 'n', describe: 'number of attempts', group: 'Load:' })
    .option('timeout', { type: 'string', describe: `per-connection timeout [default: ${PLAN_DEFAULTS.timeout}]`, group: 'Load:' })
    .option('method', { type: 'string', describe: `HTTP method [default: ${PLAN_DEFAULTS.method}]`, group: 'Request:' })
    .option('header', { type: 'string', array: true, alias: 'H', describe: "'Name: value' (repeatable)", group: 'Request:' })
    .option('body', { type: 'string', describe: 'request body', group: 'Request:' })
    .option('payload', { type: 'string', describe: 'tcp://: bytes to send after connect', group: 'Request:' })
    .option('expect-bytes', {
      type: 'string',
      describe: `tcp://: bytes to read before closing [default: ${PLAN_DEFAULTS.expectBytes}]`,
      group: 'Request:',
    })
    .option('sample-interval', {
      type: 'string',
      describe: `read socket states (sock_diag, or /proc/net/tcp) this often; 0s: off [default: ${PLAN_DEFAULTS.sampleInterval}]`,
      group: 'Output:',
    })
    .option('netns', {
      type: 'boolean',
      describe:
        "each stage in a fresh network namespace with the host's settings copied in; --no-netns: on the host [default: on with the built-in target where namespaces can be made]",
      group: 'Namespace:',
    })
    .option('sysctl', {
      type: 'string',
      array: true,
      describe: 'NAME=VALUE set inside the namespace, over the profile (repeatable)',
      group: 'Namespace:',
    })
    .option('profile', {
      type: 'string',
      describe: `settings of the namespace: ${Object.keys(BUILTIN_PROFILES).join(', ')}, or one from --profiles-file [default: ${DEFAULT_NAMESPACE_PROFILE}]`,
      group: 'Namespace:',
    })
    .option('profiles-file', { type: 'string', describe: 'JSON file of named sysctl sets', group: 'Namespace:' })
    .option('out', { type: 'string', default: 'results', describe: 'directory for the JSON result', group: 'Output:' })
    .option('json', { type: 'boolean', describe: 'print the result JSON to stdout instead of the summary', group: 'Output:' })
    .option('dry-run', { type: 'boolean', describe: 'check the options and print the plan as JSON; send nothing', group: 'Output:' })
    .option('quiet', { type: 'boolean', alias: 'q', describe: 'print nothing (the result file is still written)', group: 'Output:' })
    .option('progress-json', {
      type: 'boolean',
      describe: 'one JSON progress line a second on stderr, for scripts and dashboards',
      group: 'Output:',
    });
}

/** Parsed arguments of `portchurn run`. */
export type RunArgs = Awaited<ReturnType<typeof runOptions>['argv']>;

/** Maps parsed arguments to the library's options; only options the user gave are set. */
export function toRunOptions(argv: RunArgs): RunOptions {
  const options: RunOptions = {
    target: argv.target,
    listen: argv.listen,
    delay: argv.delay,
    bodySize: argv['body-size'],
    sources: argv.sources,
    sourceBase: argv['source-base'],
    portMode: argv['port-mode'],
    explicitPorts: argv['explicit-ports'],
    socketPortRange: argv['socket-port-range'],
    allowEphemeralOverlap: argv['allow-ephemeral-overlap'],
    close: argv.close,
    connections: argv.connections,
    rate: argv.rate,
    maxInFlight: argv['max-in-flight'],
    duration: argv.duration,
    requests: argv.requests,
    timeout: argv.timeout,
    method: argv.method,
    header: argv.header?.map(String),
    body: argv.body,
    payload: argv.payload,
    expectBytes: argv['expect-bytes'],
    allowRemote: argv['allow-remote'],
    insecure: argv.insecure,
    sampleInterval: argv['sample-interval'],
    workers: argv.workers,
    keepaliveClient: argv['keepalive-client'],
    engine: argv.engine,
    failOn: argv['fail-on']?.map(String),
    netns: argv.netns,
    sysctl: argv.sysctl?.map(String),
    profile: argv.profile,
    profilesFile: argv['profiles-file'],
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RunOptions;
}

/** `portchurn run`: runs the load, writes the JSON result, prints the summary. Returns the exit status. */
export async function runCommand(argv: RunArgs, io: CliIo): Promise<number> {
  if (argv['dry-run']) {
    io.stdout.write(`${JSON.stringify(await resolvePlan(toRunOptions(argv)), null, 2)}\n`);
    return EXIT.ok;
  }
  const stop = stopOnSignals((name) => printError(io, stoppingMessage(name)));
  const showProgress = !argv.quiet && !argv.json && !argv['progress-json'] && io.stderr.isTTY === true;
  try {
    const result = await run(toRunOptions(argv), {
      signal: stop.signal,
      ...(argv['progress-json']
        ? { onProgress: (p) => io.stderr.write(`${JSON.stringify({ type: 'progress', ...p })}\n`) }
        : showProgress
          ? { onProgress: (p) => io.stderr.write(`\r\x1b[2K${renderProgress(p)}`) }
          : {}),
    });
    if (showProgress) io.stderr.write('\r\x1b[2K');
    const saved = await saveResult(
      io,
      {
        dir: argv.out,
        prefix: 'run',
        formats: [],
        json: argv.json,
        quiet: argv.quiet,
        summary: (path) => `${renderRunSummary(result)}  result      ${path}\n`,
      },
      result,
    );
    if (saved !== EXIT.ok) return saved;
    for (const failure of result.failures ?? []) printError(io, `${failure}; the other workers' data is in the result`);
    const failed = failedThresholds(result);
    for (const line of failed) printError(io, line);
    return stop.exitStatus() ?? (failed.length > 0 || (result.failures?.length ?? 0) > 0 ? EXIT.failure : EXIT.ok);
  } finally {
    stop.dispose();
  }
}
