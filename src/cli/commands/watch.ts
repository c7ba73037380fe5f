import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { WATCH_DEFAULTS, WATCH_VIAS, watchPlanOf } from '../../plan/watch-plan.js';
import type { WatchSample } from '../../result/watch-sample.js';
import { renderWatchNode, renderWatchSample } from '../../report/watch-table.js';
import { hostWatchDeps, watchSockets } from '../../watch/watcher.js';
import { watchNode } from '../../watch/node-watch.js';
import { NodeNamespaces, nodeNamespaceSource } from '../../watch/node-namespaces.js';
import { startWatchExporter } from '../../watch/exporter.js';
import { loadNative } from '../../addon/addon.js';
import { declareOptions, fieldsOf, type OptionTable } from '../option-table.js';
import { conformsWhenStrict } from '../strict-schema.js';
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
  netns: {
    type: 'string',
    field: 'netns',
    describe:
      'read these network namespaces instead of this one: /proc/PID/ns/net or /run/netns/NAME, comma-separated (needs CAP_SYS_ADMIN and CAP_SYS_PTRACE)',
  },
  'all-netns': {
    type: 'boolean',
    field: 'allNetns',
    describe: 'read every network namespace of the node (each pod of a Kubernetes node has its own)',
  },
  'metrics-listen': {
    type: 'string',
    field: 'metricsListen',
    describe: 'serve /metrics (Prometheus, OpenMetrics) at HOST:PORT instead of printing; loopback unless --allow-remote',
  },
  'allow-remote': {
    type: 'boolean',
    field: 'allowRemote',
    describe: '--metrics-listen on an address other than loopback (the metrics name the addresses this node talks to)',
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
  const json = (doc: unknown): string => (plan.once ? `${JSON.stringify(doc, null, 2)}\n` : `${JSON.stringify(doc)}\n`);
  // Every sample is a document (its JSON is what --json prints); strict mode checks each.
  let conforms = true;
  const check = (doc: unknown): void => {
    if (!conformsWhenStrict(io, doc)) conforms = false;
  };
  const print = (s: WatchSample): void => {
    check(s);
    if (argv.json) io.stdout.write(json(s));
    else io.stdout.write(live ? `${CLEAR_SCREEN}${renderWatchSample(s)}` : `${renderWatchSample(s)}\n`);
  };
  const stop = stopOnSignals();
  try {
    const several = plan.netns.length > 0 || plan.allNetns;
    if (plan.metricsListen || several) {
      const namespaces = new NodeNamespaces(
        plan,
        { paths: plan.netns, all: plan.allNetns },
        deps,
        nodeNamespaceSource(loadNative().addon, deps),
      );
      try {
        namespaces.refresh();
        for (const { netns, error } of namespaces.unreadable)
          io.stderr.write(`portchurn watch: cannot read net:[${netns.inode}]: ${error}\n`);
        if (plan.metricsListen) {
          const exporter = await startWatchExporter({ ...plan, metricsListen: plan.metricsListen }, namespaces, deps);
          io.stdout.write(
            `portchurn watch: serving ${exporter.url} (${namespaces.watchers.length} namespace(s)${plan.allNetns ? ', listed again at every read' : ''}; reads at most every ${plan.intervalMs} ms)\n`,
          );
          await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
          await exporter.close();
          return EXIT.ok;
        }
        await watchNode(
          plan,
          namespaces,
          deps,
          (node) => {
            check(node);
            if (argv.json) io.stdout.write(json(node));
            else io.stdout.write(`${live ? CLEAR_SCREEN : ''}${renderWatchNode(node)}\n`);
          },
          stop.signal,
        );
        return conforms ? EXIT.ok : EXIT.schema;
      } finally {
        // Every namespace handle let go: none of them is held alive by this process any more.
        namespaces.close();
      }
    }
    await watchSockets(plan, deps, print, stop.signal);
    // Ctrl-C is how a live watch ends: a clean exit.
    return conforms ? EXIT.ok : EXIT.schema;
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
    ['sudo $0 watch --all-netns --once', "every network namespace of the node (each pod's), one table each"],
    ['sudo $0 watch --all-netns --metrics-listen 127.0.0.1:9323', 'a Prometheus exporter over every namespace'],
  ],
  run: watchCommand,
});
