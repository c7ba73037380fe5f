import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { type RunOptions } from '../../plan/build-plan.js';
import { renderProgress } from '../../report/progress.js';
import type { Progress } from '../../result/progress.js';
import { startLiveMetrics } from '../live-metrics.js';
import { RESULTS_DIR, ciOutputs, parseReportFormats, runFilesSummary } from '../save-result.js';
import { finishCommand } from '../finish.js';
import { REPORT_FORMATS } from '../write-reports.js';
import { declareOptions, fieldsOf, type OptionTable } from '../option-table.js';
import { EXIT, printError, type CliIo } from '../output.js';
import { stopOnSignals, stoppingMessage } from '../signals.js';
import { CLOSE_POLICIES, ENGINE_CHOICES, KEEPALIVE_CLIENTS, PLAN_DEFAULTS, PORT_MODES } from '../../plan/plan.js';
import { BUILTIN_PROFILES } from '../../env/profiles.js';
import { DEFAULT_NAMESPACE_PROFILE } from '../../env/resolve-namespace.js';
import { resolvePlan, run } from '../../runner/run.js';

/** The options of `portchurn run`, stated once: help and the library's options are made from this table. */
export const RUN_OPTIONS = {
  target: {
    type: 'string',
    field: 'target',
    describe: 'http://, https:// or tcp://host:port',
    defaultDescription: 'the built-in target',
    group: 'Target:',
  },
  listen: {
    type: 'string',
    field: 'listen',
    describe: 'built-in target: ADDRESS:PORT list (port 0 = any)',
    libraryDefault: PLAN_DEFAULTS.listen,
    group: 'Target:',
  },
  delay: {
    type: 'string',
    field: 'delay',
    describe: 'built-in target: fixed response delay, e.g. 5ms',
    libraryDefault: PLAN_DEFAULTS.delay,
    group: 'Target:',
  },
  'body-size': {
    type: 'string',
    field: 'bodySize',
    describe: 'built-in target: response body size',
    libraryDefault: PLAN_DEFAULTS.bodySize,
    group: 'Target:',
  },
  'target-threads': {
    type: 'string',
    field: 'targetThreads',
    describe: 'built-in target: native epoll threads, each with its own SO_REUSEPORT listener',
    defaultDescription: 'a quarter of the cores, at least 1',
    group: 'Target:',
  },
  'target-engine': {
    type: 'string',
    field: 'targetEngine',
    choices: ENGINE_CHOICES,
    describe: 'built-in target: native (C, epoll threads) or js (Node http); auto: native where it was built',
    libraryDefault: PLAN_DEFAULTS.engine,
    group: 'Target:',
  },
  'target-protocol': {
    type: 'string',
    field: 'targetProtocol',
    choices: ['http', 'tcp'],
    describe:
      'built-in target: http, or tcp (a greeting of --body-size bytes at accept, input dropped; native target; the load reads --expect-bytes, by default all of it)',
    libraryDefault: 'http',
    group: 'Target:',
  },
  'allow-remote': {
    type: 'boolean',
    field: 'allowRemote',
    describe: 'allow a target outside loopback (this tool exhausts ports)',
    group: 'Target:',
  },
  insecure: { type: 'boolean', field: 'insecure', describe: 'https: accept any certificate', group: 'Target:' },
  sources: { type: 'string', field: 'sources', describe: 'source addresses: N, list, range A-B or CIDR', group: 'Sources:' },
  'source-base': {
    type: 'string',
    field: 'sourceBase',
    describe: 'first address when --sources is a count',
    libraryDefault: PLAN_DEFAULTS.sourceBase,
    group: 'Sources:',
  },
  'port-mode': {
    type: 'string',
    field: 'portMode',
    choices: PORT_MODES,
    describe: 'who picks the source port; nobind (IP_BIND_ADDRESS_NO_PORT, native engine) lets connect() pick it per destination',
    defaultDescription: 'kernel without --sources, bind with',
    group: 'Sources:',
  },
  'explicit-ports': {
    type: 'string',
    field: 'explicitPorts',
    describe: 'explicit mode: LO-HI cycled per address',
    defaultDescription: 'above ip_local_port_range',
    group: 'Sources:',
  },
  'socket-port-range': {
    type: 'string',
    field: 'socketPortRange',
    describe: 'LO-HI: IP_LOCAL_PORT_RANGE on every socket (native engine, Linux 6.3+): a narrower port range for this run alone, no sysctl',
    group: 'Sources:',
  },
  'allow-ephemeral-overlap': {
    type: 'boolean',
    field: 'allowEphemeralOverlap',
    describe: 'explicit mode: allow ports inside ip_local_port_range',
    group: 'Sources:',
  },
  engine: {
    type: 'string',
    field: 'engine',
    choices: ENGINE_CHOICES,
    describe: 'native (C, epoll threads) or js (Node net); auto: native where it was built and can run the plan',
    libraryDefault: PLAN_DEFAULTS.engine,
    group: 'Load:',
  },
  close: {
    type: 'string',
    field: 'close',
    choices: CLOSE_POLICIES,
    describe: 'who closes first',
    libraryDefault: PLAN_DEFAULTS.close,
    group: 'Load:',
  },
  connections: {
    type: 'string',
    field: 'connections',
    alias: 'c',
    describe: 'closed loop: connections in flight',
    libraryDefault: PLAN_DEFAULTS.connections,
    group: 'Load:',
  },
  rate: { type: 'string', field: 'rate', alias: 'r', describe: 'open loop: requests per second', group: 'Load:' },
  'max-in-flight': {
    type: 'string',
    field: 'maxInFlight',
    describe: 'open loop: most connections in flight',
    libraryDefault: PLAN_DEFAULTS.maxInFlight,
    group: 'Load:',
  },
  'fail-on': {
    type: 'string',
    field: 'failOn',
    array: true,
    describe: "exit 1 when this holds after the run, e.g. 'error-rate>1%', 'p99>50ms', 'ok-rate<0.9*predicted' (repeatable)",
    group: 'Load:',
  },
  'keepalive-client': {
    type: 'string',
    field: 'keepaliveClient',
    choices: KEEPALIVE_CLIENTS,
    describe: '--close keepalive: raw sockets (fast) or undici (reference)',
    libraryDefault: PLAN_DEFAULTS.keepaliveClient,
    group: 'Load:',
  },
  workers: {
    type: 'string',
    field: 'workers',
    alias: 'w',
    describe: 'generator threads; sources and connections are divided among them',
    libraryDefault: PLAN_DEFAULTS.workers,
    group: 'Load:',
  },
  duration: {
    type: 'string',
    field: 'duration',
    alias: 'd',
    describe: 'run length, e.g. 10s, 2m',
    defaultDescription: `${PLAN_DEFAULTS.duration} unless --requests`,
    group: 'Load:',
  },
  requests: { type: 'string', field: 'requests', alias: 'n', describe: 'number of attempts', group: 'Load:' },
  timeout: { type: 'string', field: 'timeout', describe: 'per-connection timeout', libraryDefault: PLAN_DEFAULTS.timeout, group: 'Load:' },
  method: { type: 'string', field: 'method', describe: 'HTTP method', libraryDefault: PLAN_DEFAULTS.method, group: 'Request:' },
  header: { type: 'string', field: 'header', array: true, alias: 'H', describe: "'Name: value' (repeatable)", group: 'Request:' },
  body: { type: 'string', field: 'body', describe: 'request body', group: 'Request:' },
  payload: { type: 'string', field: 'payload', describe: 'tcp://: bytes to send after connect', group: 'Request:' },
  'expect-bytes': {
    type: 'string',
    field: 'expectBytes',
    describe: 'tcp://: bytes to read before closing',
    libraryDefault: PLAN_DEFAULTS.expectBytes,
    group: 'Request:',
  },
  'sample-interval': {
    type: 'string',
    field: 'sampleInterval',
    describe: 'read socket states (sock_diag, or /proc/net/tcp) this often; 0s: off',
    libraryDefault: PLAN_DEFAULTS.sampleInterval,
    group: 'Output:',
  },
  'call-times': {
    type: 'boolean',
    field: 'callTimes',
    describe: "native engine: time each bind() and connect() call (the kernel's port search runs in them); --no-call-times: not timed",
    libraryDefault: PLAN_DEFAULTS.callTimes,
    group: 'Output:',
  },
  netns: {
    type: 'boolean',
    field: 'netns',
    describe: "each stage in a fresh network namespace with the host's settings copied in; --no-netns: on the host",
    defaultDescription: 'on with the built-in target where namespaces can be made',
    group: 'Namespace:',
  },
  sysctl: {
    type: 'string',
    field: 'sysctl',
    array: true,
    describe: 'NAME=VALUE set inside the namespace, over the profile (repeatable)',
    group: 'Namespace:',
  },
  profile: {
    type: 'string',
    field: 'profile',
    describe: `settings of the namespace: ${Object.keys(BUILTIN_PROFILES).join(', ')}, or one from --profiles-file`,
    libraryDefault: DEFAULT_NAMESPACE_PROFILE,
    group: 'Namespace:',
  },
  'profiles-file': { type: 'string', field: 'profilesFile', describe: 'JSON file of named sysctl sets', group: 'Namespace:' },
  out: { type: 'string', default: RESULTS_DIR, describe: 'directory for the JSON result', group: 'Output:' },
  reports: {
    type: 'string',
    default: 'hlog',
    describe: `reports written beside the JSON, among ${REPORT_FORMATS.join(', ')} ('' for none)`,
    group: 'Output:',
  },
  json: { type: 'boolean', describe: 'print the result JSON to stdout instead of the summary', group: 'Output:' },
  junit: {
    type: 'string',
    describe: 'also write JUnit XML here: each --fail-on threshold a test case, each stage a suite (for CI)',
    group: 'Output:',
  },
  'dry-run': { type: 'boolean', describe: 'check the options and print the plan as JSON; send nothing', group: 'Output:' },
  quiet: { type: 'boolean', alias: 'q', describe: 'print nothing (the result file is still written)', group: 'Output:' },
  'progress-json': { type: 'boolean', describe: 'one JSON progress line a second on stderr, for scripts and dashboards', group: 'Output:' },
  'metrics-listen': {
    type: 'string',
    describe: 'serve the live counters at http://HOST:PORT/metrics for Prometheus while the load runs (loopback unless --allow-remote)',
    group: 'Output:',
  },
} as const satisfies OptionTable;

/** Declares the options of `portchurn run` on `y`. */
export function runOptions(y: Argv) {
  return declareOptions(y, RUN_OPTIONS);
}

/** Parsed arguments of `portchurn run`. */
export type RunArgs = Awaited<ReturnType<typeof runOptions>['argv']>;

/** The library's options: only those the user gave are set. */
export function toRunOptions(argv: RunArgs): RunOptions {
  return fieldsOf(RUN_OPTIONS, argv);
}

/** `portchurn run`: runs the load, writes the JSON result, prints the summary. Returns the exit status. */
export async function runCommand(argv: RunArgs, io: CliIo): Promise<number> {
  if (argv['dry-run']) {
    io.stdout.write(`${JSON.stringify(await resolvePlan(toRunOptions(argv)), null, 2)}\n`);
    return EXIT.ok;
  }
  const formats = parseReportFormats(argv.reports);
  const stop = stopOnSignals((name) => printError(io, stoppingMessage(name)));
  const showProgress = !argv.quiet && !argv.json && !argv['progress-json'] && io.stderr.isTTY === true;
  const live = await startLiveMetrics(argv['metrics-listen'], argv['allow-remote'] === true, io);
  const print = argv['progress-json']
    ? (p: Progress) => io.stderr.write(`${JSON.stringify({ type: 'progress', ...p })}\n`)
    : showProgress
      ? (p: Progress) => io.stderr.write(`\r\x1b[2K${renderProgress(p)}`)
      : null;
  try {
    const result = await run(toRunOptions(argv), {
      signal: stop.signal,
      ...(print || live
        ? {
            onProgress: (p: Progress) => {
              print?.(p);
              live?.update({ stage: '1', value: 'run' }, p);
            },
          }
        : {}),
    });
    if (showProgress) io.stderr.write('\r\x1b[2K');
    return await finishCommand(
      io,
      {
        dir: argv.out,
        prefix: 'run',
        formats,
        json: argv.json,
        quiet: argv.quiet,
        ...ciOutputs(argv.junit),
        summary: runFilesSummary(result),
      },
      result,
      stop,
    );
  } finally {
    stop.dispose();
    await live?.close();
  }
}

/** `portchurn run`. */
export const RUN_COMMAND = defineCommand({
  usage: 'run',
  describe: 'non-keepalive load over a pool of source addresses; writes a JSON result',
  options: runOptions,
  examples: [
    ['$0 run', 'the built-in target, 64 connections, 10 s, kernel-chosen source ports'],
    ['$0 run --sources 16 --close client -d 30s', 'spread over 127.0.0.1-127.0.0.16 with bind()'],
    ['$0 run --sources 127.0.1.0/28 --port-mode explicit', 'the tool picks each source port'],
    ['$0 run --target http://127.0.0.1:8080/ --rate 5000 -d 1m', 'open loop, coordinated-omission corrected'],
  ],
  run: runCommand,
});
