import type { Argv } from 'yargs';
import { readLimits } from '../../limits/limits.js';
import { renderLimits } from '../../report/limits-text.js';
import { parsePositiveInt, parsePositiveNumber } from '../../plan/units.js';
import type { ClosePolicy, PortMode } from '../../plan/plan.js';
import { EXIT, type CliIo } from '../output.js';

/** Options of `portchurn limits`. */
export function limitsOptions<T>(y: Argv<T>) {
  return y
    .option('rate', { type: 'string', describe: 'new connections per second to plan for' })
    .option('close', { type: 'string', choices: ['client', 'server', 'reset'], default: 'client', describe: 'who closes first' })
    .option('port-mode', {
      type: 'string',
      choices: ['kernel', 'bind'],
      default: 'bind',
      describe: 'bind (as nginx proxy_bind does) or kernel (no bind)',
    })
    .option('destinations', { type: 'string', default: '1', describe: 'upstream address:port pairs' })
    .option('json', { type: 'boolean', describe: 'print the report as JSON' });
}

/** `portchurn limits`: this host's limits, other systems' defaults, and the planning question. */
export async function limitsCommand(
  argv: { rate?: string; close: string; 'port-mode': string; destinations: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const report = await readLimits({
    ratePerSec: argv.rate === undefined ? null : parsePositiveNumber('--rate', argv.rate),
    close: argv.close as ClosePolicy,
    portMode: argv['port-mode'] as PortMode,
    destinations: parsePositiveInt('--destinations', argv.destinations),
  });
  io.stdout.write(argv.json ? `${JSON.stringify(report, null, 2)}\n` : renderLimits(report));
  return EXIT.ok;
}
