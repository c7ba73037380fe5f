import type { Argv } from 'yargs';
import { doctorStatus, runChecks, type Feature } from '../../doctor/checks.js';
import { parsePositiveInt } from '../../plan/units.js';
import { PlanError } from '../../errors.js';
import type { CliIo } from '../output.js';

const FEATURES: readonly Feature[] = ['native', 'netns', 'nginx', 'chromium'];

/** Options of `portchurn doctor`. */
export function doctorOptions<T>(y: Argv<T>) {
  return y
    .option('connections', { type: 'string', default: '64', describe: 'planned connections in flight, for the open-file check' })
    .option('need', { type: 'string', default: '', describe: `optional features that must pass too: ${FEATURES.join(', ')}` })
    .option('json', { type: 'boolean', describe: 'print the checks as JSON' });
}

/** `portchurn doctor`: each check with ✔ or ✘ and the fix. Exit 0 when everything needed passes. */
export async function doctorCommand(argv: { connections: string; need: string; json?: boolean }, io: CliIo): Promise<number> {
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
