import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { release } from 'node:os';
import { natScenario } from '../../nat/nat-scenario.js';
import { PROFILE_PORTS } from '../../nat/nat-profile.js';
import { natProfiles } from '../../model/nat-systems.js';
import { NAT_AXES, NAT_CLOSES, NAT_DEFAULTS, parseNatPorts, type NatAxis, type NatClose } from '../../nat/nat-stages.js';
import { NAT_FLAGS, type NatFlag, type NatKind } from '../../nat/scene-spec.js';
import { oneOf, parsePositiveInt, parsePositiveNumber } from '../../plan/units.js';
import { PlanError } from '../../errors.js';
import { declareOptions, type OptionTable } from '../option-table.js';
import { printError, type CliIo } from '../output.js';
import { stopOnSignals, stoppingMessage } from '../signals.js';
import { RESULTS_DIR, ciOutputs } from '../save-result.js';
import { finishCommand } from '../finish.js';
import { RUN_OPTIONS } from './run.js';

/** The options of `portchurn nat`, stated once (the library's defaults are NAT_DEFAULTS). */
export const NAT_OPTIONS = {
  axis: {
    type: 'string',
    choices: NAT_AXES,
    defaultDescription: `${NAT_DEFAULTS.axis}; with --profile, pods where it allocates per source, else nat-addresses`,
    describe: 'what changes from stage to stage (each stage a scene of its own)',
  },
  values: {
    type: 'string',
    describe:
      'the axis values, one stage each: counts (nat-ports, nat-addresses, destinations, pods), new connections a second (rate), client/server/reset (close), none or flags joined with + (nat-flags), none or a count (conn-limit)',
    defaultDescription: Object.entries(NAT_DEFAULTS.axisValues)
      .map(([axis, values]) => `${axis} ${values}`)
      .join('; '),
  },
  profile: {
    type: 'string',
    describe: `a system's NAT at a scale: ${natProfiles(release())
      .map((p) => p.name)
      .join(', ')} (its ports and conntrack timeouts divided by --scale)`,
  },
  scale: {
    type: 'string',
    describe: `--profile: divide its ports and conntrack timeouts by this (default: what leaves ${PROFILE_PORTS} ports)`,
  },
  'nat-ports': {
    type: 'string',
    defaultDescription: String(NAT_DEFAULTS.natPorts),
    describe: `the NAT ports of every stage on the other axes: a count from ${NAT_DEFAULTS.firstPort}, or LOW-HIGH`,
  },
  reference: {
    type: 'boolean',
    default: NAT_DEFAULTS.reference,
    describe: 'a reference stage with the rule mapping to ports 1024-65535 (--no-reference: none)',
  },
  'nat-kind': {
    type: 'string',
    choices: ['snat', 'masquerade'],
    default: NAT_DEFAULTS.kind,
    describe: "snat to the NAT addresses, or masquerade to the router's own",
  },
  pods: { type: 'string', default: String(NAT_DEFAULTS.pods), describe: 'pod-like source addresses behind the NAT (198.18.0.1 on)' },
  'nat-addresses': {
    type: 'string',
    default: String(NAT_DEFAULTS.natAddresses),
    describe: 'addresses the rule maps to (198.19.0.1 on); the kernel hashes each pod onto one per destination',
  },
  'nat-flags': { type: 'string', default: '', describe: `the rule's flags: ${NAT_FLAGS.join(', ')} (comma list)` },
  destinations: {
    type: 'string',
    default: String(NAT_DEFAULTS.destinations),
    describe: 'server addresses (198.19.128.1 on), each with the built-in target; the load turns over them',
  },
  rate: { type: 'string', describe: 'new connections a second (open loop) instead of --connections open at once' },
  'destination-ports': {
    type: 'string',
    default: NAT_DEFAULTS.destinationPorts.join(','),
    describe: "the built-in target's ports on each destination (comma list); the load turns over every (address, port)",
  },
  connections: {
    ...RUN_OPTIONS.connections,
    default: String(NAT_DEFAULTS.connections),
    describe: 'connections open at once (closed loop), over all pods',
  },
  duration: { type: 'string', alias: 'd', default: NAT_DEFAULTS.duration, describe: 'per stage' },
  timeout: {
    type: 'string',
    default: NAT_DEFAULTS.timeout,
    describe: 'per connection (a SYN the router drops is resent at 1, 2, 3, 4, 5, 7 s from Linux 6.7, at 1, 3, 7 s before)',
  },
  close: {
    type: 'string',
    choices: NAT_CLOSES,
    default: NAT_DEFAULTS.close,
    describe: "who closes first: client or server (either's FIN leaves the mapping in conntrack's TIME_WAIT), or reset (CLOSE)",
  },
  'conn-limit': { type: 'string', describe: "a conntrack table limit on the pods' connections in the router (nftables ct count over N)" },
  out: { type: 'string', default: RESULTS_DIR, describe: 'directory for the JSON result and its Markdown report' },
  reports: { type: 'string', default: 'md', describe: "reports beside the JSON: md, or '' for none" },
  json: { type: 'boolean', describe: 'print the result JSON' },
  quiet: { type: 'boolean', alias: 'q', describe: 'print nothing' },
  junit: RUN_OPTIONS.junit,
} as const satisfies OptionTable;

/** Declares the options of `portchurn nat` on `y`. */
export function natOptions(y: Argv) {
  return declareOptions(y, NAT_OPTIONS);
}

type NatArgs = Awaited<ReturnType<typeof natOptions>['argv']>;

function flagsOf(text: string): NatFlag[] {
  return text
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => oneOf('--nat-flags', f, NAT_FLAGS));
}

/** `portchurn nat`: NAT port exhaustion reproduced with a real nftables router, stage by stage. */
export async function natCommand(argv: NatArgs, io: CliIo): Promise<number> {
  const reports = argv.reports
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of reports) if (r !== 'md') throw new PlanError('--reports', `--reports '${r}': portchurn nat writes md only`);
  const options = {
    ...(argv.axis === undefined ? {} : { axis: argv.axis as NatAxis }),
    ...(argv.values === undefined ? {} : { values: argv.values }),
    ...(argv['nat-ports'] === undefined ? {} : { natPorts: parseNatPorts(argv['nat-ports']) }),
    ...(argv.profile === undefined ? {} : { profile: argv.profile }),
    ...(argv.scale === undefined ? {} : { scale: parsePositiveNumber('--scale', argv.scale) }),
    reference: argv.reference,
    kind: argv['nat-kind'] as NatKind,
    pods: parsePositiveInt('--pods', argv.pods),
    natAddresses: parsePositiveInt('--nat-addresses', argv['nat-addresses']),
    flags: flagsOf(argv['nat-flags']),
    destinations: parsePositiveInt('--destinations', argv.destinations),
    ...(argv.rate === undefined ? {} : { rate: parsePositiveNumber('--rate', argv.rate) }),
    destinationPorts: argv['destination-ports'].split(',').map((p) => parsePositiveInt('--destination-ports', p.trim())),
    connections: parsePositiveInt('--connections', argv.connections),
    duration: argv.duration,
    timeout: argv.timeout,
    close: argv.close as NatClose,
    ...(argv['conn-limit'] === undefined ? {} : { connLimit: parsePositiveInt('--conn-limit', argv['conn-limit']) }),
  };
  const stop = stopOnSignals((name) => printError(io, stoppingMessage(name)));
  try {
    const result = await natScenario(options, { signal: stop.signal });
    return await finishCommand(
      io,
      { dir: argv.out, prefix: 'nat', formats: reports.length ? ['md'] : [], json: argv.json, quiet: argv.quiet, ...ciOutputs(argv.junit) },
      result,
      stop,
    );
  } finally {
    stop.dispose();
  }
}

/** `portchurn nat`. */
export const NAT_COMMAND = defineCommand({
  usage: 'nat',
  describe: 'reproduce port exhaustion behind a NAT: pods, a real nftables router with conntrack, and a server, in namespaces of their own',
  options: natOptions,
  examples: [
    ['$0 nat', '4 pods, 32 connections open at once, through 8, 16, 32 and 64 NAT ports and the full range; 5 s each'],
    [
      '$0 nat --axis nat-addresses --values 1,2,4 --pods 8',
      '8 ports on 1, 2 and 4 NAT addresses: the kernel hashes each pod onto one of them',
    ],
    ['$0 nat --axis destinations --values 1,2,4', '8 NAT ports towards 1, 2 and 4 server addresses: a budget each'],
    ['$0 nat --axis rate --values 500,2000,8000', 'an open loop through 8 NAT ports'],
    [
      '$0 nat --profile gcp-cloud-nat',
      "GCP Cloud NAT's 64 ports per VM, scaled to 16 a pod (a rule per pod), its TIME_WAIT scaled alike, with 1, 2 and 4 pods",
    ],
    [
      '$0 nat --axis nat-flags --values none,fully-random --nat-ports 1024-65535',
      "the pods' own ports kept by the NAT, then every port drawn at random",
    ],
  ],
  run: natCommand,
});
