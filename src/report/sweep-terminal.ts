import type { AnyResult } from '../result/read-result.js';
import { table } from './format.js';
import { renderProxySummary } from './proxy-report.js';
import { renderNatSummary } from './nat-report.js';
import { stageCells, stageRows } from './stage-rows.js';
import { stagesOf } from './stages-view.js';
import { limitedByLines, overflowFlags, portSearchLines } from './stage-notes.js';
import { describeLoad } from './terminal.js';
import { verdictTerminal } from './verdict-text.js';

/** Columns of the terminal table (the Markdown one has them all). */
const TERMINAL_COLUMNS = [0, 1, 2, 4, 5, 6, 7, 8, 10, 12, 14, 15];

/** The end-of-sweep summary for a terminal: one row per stage, ratios to the baseline (per profile for a lab). */
export function renderSweepSummary(result: AnyResult): string {
  return `${stagesSummary(result)}${verdictTerminal(result).join('\n')}\n`;
}

/** The summary without the verdict (a lab's profiles are each one, under one verdict). */
function stagesSummary(result: AnyResult): string {
  if (result.kind === 'proxy') return renderProxySummary(result);
  if (result.kind === 'nat') return renderNatSummary(result);
  if (result.kind === 'lab') {
    const head = `portchurn lab: ${result.profiles.map((p) => p.name).join(', ')}${result.interrupted ? ' (INTERRUPTED: partial result)' : ''}; every stage in a fresh network namespace\n\n`;
    return (
      head +
      result.profiles
        .map(
          (p) =>
            `profile ${p.name} (${p.description}; ${
              Object.entries(p.sysctls)
                .map(([k, v]) => `${k.replace('net.ipv4.', '')}=${v}`)
                .join(', ') || 'kernel defaults'
            })\n${stagesSummary(p.sweep)}`,
        )
        .join('\n')
    );
  }
  const view = stagesOf(result);
  const first = view.stages[0]?.run;
  const header = [
    'stage',
    view.axis ?? 'sources',
    'src x dst x ports',
    'ok/s',
    'x base',
    'model ok/s',
    'meas/model',
    'errors',
    'p99 ms',
    'TIME_WAIT cli/srv',
    'limited by',
    'search µs p50/p99',
  ];
  const lines = [
    `${view.title}${view.interrupted ? ' (INTERRUPTED: partial result)' : ''}`,
    ...(view.sharedHost ? [`  ${view.sharedHost}`] : []),
    ...(view.namespaceLine ? [`  ${view.namespaceLine}`] : []),
    ...overflowFlags(view).map((f) => `  WARNING: ${f}`),
    first ? `  close ${first.plan.close}; ${describeLoad(first.plan)}; stages: ${view.settle}` : '  no stage ran',
    ...(view.portModeLine ? [`  ${view.portModeLine}`] : []),
    '',
    table([header, ...stageRows(view.stages, view.references).map((r) => TERMINAL_COLUMNS.map((i) => stageCells(r)[i]!))]),
    '',
    ...limitedByLines(view).map((l) => `  ${l}`),
    ...portSearchLines(view).map((l) => `  ${l}`),
  ];
  for (const w of view.warnings) lines.push(`  warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
