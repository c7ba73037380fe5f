import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { WATCH_DEFAULTS, WATCH_VIAS, watchPlanOf } from '../../plan/watch-plan.js';
import type { WatchSample } from '../../result/watch-sample.js';
import { renderWatchSample } from '../../report/watch-table.js';
import { hostWatchDeps, watchSockets } from '../../watch/watcher.js';
import { declareOptions, fieldsOf, type OptionTable } from '../option-table.js';
import { EXIT, type CliIo } from '../output.js';
import { stopOnSignals } from '../signals.js';

/** The options of `portchurn watch`, stated once. */
export const WATCH_OPTIONS = {
  interval: { type: 'string', field: 'interval', libraryDefault: WATCH_DEFAULTS.interval, describe: 'time between reads' },
  once: { type: 'boolean', field: 'once', describe: 'read twice, an interval apart, print one sample and exit' },
  samples: { type: 'string', field: 'samples', describe: 'stop after N samples', defaultDescription: 'until Ctrl-C' },
  top: { type: 'string', field: 'top', libraryDefault: WATCH_DEFAULTS.top, describe: 'show the N groups closest to exhaustion' },
  src: { type: 'string', field: 'src', describe: 'only these source addresses or prefixes (127.0.0.0/8,10.0.3.5)' },
  dst: { type: 'string', field: 'dst', describe: 'only these destinations: ADDRESS, ADDRESS:PORT, [IPV6]:PORT, :PORT or a prefix' },
  via: {
    type: 'string',
    choices: WATCH_VIAS,
    field: 'via',
    libraryDefault: WATCH_DEFAULTS.via,
    describe: 'socket reader: sock_diag (native addon) where it works, else /proc/net/tcp',
  },
  json: { type: 'boolean', describe: 'one JSON document per sample (one line each; pretty with --once)' },
} as const satisfies OptionTable;

/** Declares the options of `portchurn watch` on `y`. */
export function watchOptions(y: Argv) {
  return declareOptions(y, WATCH_OPTIONS);
}

/** Parsed arguments of `portchurn watch`. */
export type WatchArgs = Awaited<ReturnType<typeof watchOptions>['argv']>;

/** Clears a terminal and puts the cursor home, so each sample replaces the last. */
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/** `portchurn watch`: which source and destination run out of ports first, and when. Sends nothing. */
export async function watchCommand(argv: WatchArgs, io: CliIo): Promise<number> {
  const plan = watchPlanOf(fieldsOf(WATCH_OPTIONS, argv));
  const deps = hostWatchDeps(plan);
  const live = io.stdout.isTTY === true && !argv.json && !plan.once;
  const print = (s: WatchSample): void => {
    if (argv.json) io.stdout.write(plan.once ? `${JSON.stringify(s, null, 2)}\n` : `${JSON.stringify(s)}\n`);
    else io.stdout.write(live ? `${CLEAR_SCREEN}${renderWatchSample(s)}` : `${renderWatchSample(s)}\n`);
  };
  const stop = stopOnSignals();
  try {
    await watchSockets(plan, deps, print, stop.signal);
    // Ctrl-C is how a live watch ends: a clean exit.
    return EXIT.ok;
  } finally {
    stop.dispose();
  }
}

/** `portchurn watch`. */
export const WATCH_COMMAND = defineCommand({
  usage: 'watch',
  describe: 'which source and destination run out of ports first, and when: live socket states, no traffic',
  options: watchOptions,
  examples: [
    ['$0 watch', 'a live table, every second, closest to exhaustion first'],
    ['$0 watch --once --dst :8080 --json', 'one sample of the groups towards port 8080, as JSON'],
  ],
  run: watchCommand,
});
