import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { LIMITS_CLOSE_POLICIES, LIMITS_DEFAULTS, LIMITS_PORT_MODES, readLimits } from '../../limits/limits.js';
import { declareOptions, type OptionTable } from '../option-table.js';
import { renderLimits } from '../../report/limits-text.js';
import { parsePositiveInt, parsePositiveNumber } from '../../plan/units.js';
import { EXIT, type CliIo } from '../output.js';

/** The options of `portchurn limits`, stated once. */
export const LIMITS_OPTIONS = {
  rate: { type: 'string', describe: 'new connections per second to plan for' },
  close: { type: 'string', choices: LIMITS_CLOSE_POLICIES, default: LIMITS_DEFAULTS.close, describe: 'who closes first' },
  'port-mode': {
    type: 'string',
    choices: LIMITS_PORT_MODES,
    default: LIMITS_DEFAULTS.portMode,
    describe:
      'bind (address and port, as bind() reserves them), nobind (address only, as nginx proxy_bind and HAProxy source do on Linux: ports count per destination) or kernel (no bind)',
  },
  destinations: { type: 'string', default: String(LIMITS_DEFAULTS.destinations), describe: 'upstream address:port pairs' },
  probe: {
    type: 'boolean',
    default: true,
    describe: "probe this kernel's port search in a namespace of its own (about half a second; --no-probe skips it)",
  },
  nat: {
    type: 'string',
    describe:
      'NAT addresses the load needs behind a NAT: linux-masquerade, aws-nat-gateway, azure-lb-outbound, azure-nat-gateway, gcp-cloud-nat, cilium-egress-gateway, or all (comma list)',
  },
  open: { type: 'string', describe: '--nat: connections open at once (what a NAT that takes closed mappings back counts)' },
  json: { type: 'boolean', describe: 'print the report as JSON' },
} as const satisfies OptionTable;

/** Declares the options of `portchurn limits` on `y`. */
export function limitsOptions(y: Argv) {
  return declareOptions(y, LIMITS_OPTIONS);
}

/** Parsed arguments of `portchurn limits`. */
export type LimitsArgs = Awaited<ReturnType<typeof limitsOptions>['argv']>;

/** `portchurn limits`: this host's limits, other systems' defaults, and the planning question. */
export async function limitsCommand(argv: LimitsArgs, io: CliIo): Promise<number> {
  const report = await readLimits({
    ratePerSec: argv.rate === undefined ? null : parsePositiveNumber('--rate', argv.rate),
    close: argv.close,
    portMode: argv['port-mode'],
    destinations: parsePositiveInt('--destinations', argv.destinations),
    probe: argv.probe,
    ...(argv.nat === undefined
      ? {}
      : {
          nat: argv.nat
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean),
        }),
    ...(argv.open === undefined ? {} : { open: parsePositiveInt('--open', argv.open) }),
  });
  io.stdout.write(argv.json ? `${JSON.stringify(report, null, 2)}\n` : renderLimits(report));
  return EXIT.ok;
}

/** `portchurn limits`. */
export const LIMITS_COMMAND = defineCommand({
  usage: 'limits',
  describe: "this host's port limits, other systems' defaults, and how many sources a rate needs",
  options: limitsOptions,
  examples: [['$0 limits --rate 20000 --close client', 'sources needed for 20,000 new connections/s (the proxy_bind split)']],
  run: limitsCommand,
});
