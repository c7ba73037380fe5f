import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { doctorStatus, runChecks, type Feature } from '../../doctor/checks.js';
import { parsePositiveInt } from '../../plan/units.js';
import { PlanError } from '../../errors.js';
import type { CliIo } from '../output.js';
import { PLAN_DEFAULTS } from '../../plan/plan.js';
import { declareOptions, type OptionTable } from '../option-table.js';

const FEATURES: readonly Feature[] = ['native', 'netns', 'nginx', 'haproxy', 'nat', 'chromium'];

/** The options of `portchurn doctor`, stated once. */
export const DOCTOR_OPTIONS = {
  connections: {
    type: 'string',
    default: String(PLAN_DEFAULTS.connections),
    describe: 'planned connections in flight, for the open-file check',
  },
  need: { type: 'string', default: '', describe: `optional features that must pass too: ${FEATURES.join(', ')}` },
  json: { type: 'boolean', describe: 'print the checks as JSON' },
} as const satisfies OptionTable;

/** Declares the options of `portchurn doctor` on `y`. */
export function doctorOptions(y: Argv) {
  return declareOptions(y, DOCTOR_OPTIONS);
}

/** Parsed arguments of `portchurn doctor`. */
export type DoctorArgs = Awaited<ReturnType<typeof doctorOptions>['argv']>;

/** `portchurn doctor`: each check with ✔ or ✘ and the fix. Exit 0 when everything needed passes. */
export async function doctorCommand(argv: DoctorArgs, io: CliIo): Promise<number> {
  const need = argv.need
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  for (const f of need)
    if (!(FEATURES as readonly string[]).includes(f)) throw new PlanError('--need', `--need '${f}' must be among ${FEATURES.join(', ')}`);
  const results = await runChecks(parsePositiveInt('--connections', argv.connections));
  const status = doctorStatus(results, need as Feature[]);
  if (argv.json) {
    io.stdout.write(`${JSON.stringify({ ok: status === 0, checks: results }, null, 2)}\n`);
  } else {
    for (const r of results) {
      const optional = r.feature !== 'core' && !need.includes(r.feature) ? ' (optional)' : '';
      io.stdout.write(`${r.ok ? '✔' : '✘'} ${r.name}: ${r.detail}${r.ok ? '' : optional}\n${r.fix ? `    fix: ${r.fix}\n` : ''}`);
    }
  }
  return status;
}

/** `portchurn doctor`. */
export const DOCTOR_COMMAND = defineCommand({
  usage: 'doctor',
  describe: 'check this machine for what portchurn needs, with the fix for each',
  options: doctorOptions,
  run: doctorCommand,
});
