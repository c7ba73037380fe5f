import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { parseListen } from '../../plan/listen.js';
import { ENGINE_CHOICES, PLAN_DEFAULTS, type EngineChoice } from '../../plan/plan.js';
import { parseBytes, parseDurationMs, parsePositiveInt } from '../../plan/units.js';
import { authorityOf } from '../../engine/http-request.js';
import { startBuiltinTarget } from '../../builtin-target/builtin-target.js';
import { STATS_PATH } from '../../builtin-target/target-options.js';
import { EXIT, type CliIo } from '../output.js';
import { stopOnSignals } from '../signals.js';
import { TARGET_CLOSE_POLICIES } from '../../result/target-stats.js';
import { declareOptions, type OptionTable } from '../option-table.js';

/** The options of `portchurn serve`, stated once. */
export const SERVE_OPTIONS = {
  listen: {
    type: 'string',
    default: PLAN_DEFAULTS.listen,
    describe: 'ADDRESS:PORT list, loopback unless --allow-remote (port 0 = any free port)',
  },
  'allow-remote': {
    type: 'boolean',
    describe: 'listen on an address other than loopback: a target for generators on other hosts or network namespaces',
  },
  close: {
    type: 'string',
    choices: TARGET_CLOSE_POLICIES,
    default: 'server',
    describe: 'server: answer Connection: close and close first; client: keep open until the client closes',
  },
  delay: { type: 'string', default: PLAN_DEFAULTS.delay, describe: 'fixed delay before each response' },
  threads: {
    type: 'string',
    describe: 'native target: epoll threads, each with its own SO_REUSEPORT listener',
    defaultDescription: 'a quarter of the cores, at least 1',
  },
  protocol: {
    type: 'string',
    choices: ['http', 'tcp'],
    default: 'http',
    describe: 'http, or tcp: --body-size bytes written at accept, input read and dropped (native target)',
  },
  'target-engine': {
    type: 'string',
    choices: ENGINE_CHOICES,
    default: PLAN_DEFAULTS.engine,
    describe: 'native (C, epoll threads) or js (Node http); auto: native where it was built',
  },
  'body-size': { type: 'string', default: PLAN_DEFAULTS.bodySize, describe: 'response body size' },
  duration: { type: 'string', describe: 'stop after this long', defaultDescription: 'until Ctrl-C' },
  json: { type: 'boolean', describe: 'print the final counters as JSON on exit' },
} as const satisfies OptionTable;

/** Declares the options of `portchurn serve` on `y`. */
export function serveOptions(y: Argv) {
  return declareOptions(y, SERVE_OPTIONS);
}

/** Parsed arguments of `portchurn serve`. */
export type ServeArgs = Awaited<ReturnType<typeof serveOptions>['argv']>;

/** `portchurn serve`: the built-in target alone, until a signal (or --duration). */
export async function serveCommand(argv: ServeArgs, io: CliIo): Promise<number> {
  const listen = parseListen(argv.listen, '--listen', false, argv['allow-remote'] === true);
  const delayMs = parseDurationMs('--delay', argv.delay);
  const bodyBytes = parseBytes('--body-size', argv['body-size']);
  const durationMs = argv.duration === undefined ? null : parseDurationMs('--duration', argv.duration);
  const threads = argv.threads === undefined ? {} : { threads: parsePositiveInt('--threads', argv.threads) };
  const engine = argv['target-engine'] as EngineChoice;
  const stop = stopOnSignals();
  try {
    const protocol = argv.protocol as 'http' | 'tcp';
    const target = await startBuiltinTarget({ listen, close: argv.close, protocol, delayMs, bodyBytes, engine, ...threads });
    io.stdout.write(`${target.engine} target, ${target.threads} thread${target.threads === 1 ? '' : 's'} (${target.reason})\n`);
    for (const a of target.addresses) {
      io.stdout.write(
        protocol === 'http'
          ? `listening on http://${authorityOf(a.host, a.port)}/ (close: ${argv.close}; stats at ${STATS_PATH})\n`
          : `listening on tcp://${authorityOf(a.host, a.port)} (close: ${argv.close}; a ${bodyBytes}-byte greeting at accept)\n`,
      );
    }
    await new Promise<void>((resolve) => {
      const timer = durationMs === null ? null : setTimeout(resolve, durationMs);
      stop.signal.addEventListener('abort', () => {
        if (timer) clearTimeout(timer);
        resolve();
      });
    });
    const stats = await target.close();
    io.stdout.write(argv.json ? `${JSON.stringify(stats)}\n` : `served ${stats.connections} connections, ${stats.requests} requests\n`);
    // Ctrl-C is how a server is meant to stop: a clean exit.
    return EXIT.ok;
  } finally {
    stop.dispose();
  }
}

/** `portchurn serve`. */
export const SERVE_COMMAND = defineCommand({
  usage: 'serve',
  describe: 'the built-in HTTP/1.1 target alone',
  options: serveOptions,
  run: serveCommand,
});
