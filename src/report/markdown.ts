import type { RunResult } from '../result/result.js';
import type { SweepResult } from '../sweep/sweep-result.js';
import { formatDurationMs } from './format.js';
import { stageCells, stageHeader, stageRows } from './stage-rows.js';
import { stagesOf } from './stages-view.js';
import { describeLoad } from './terminal.js';

function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** The Markdown report of a run or a sweep, rendered from the result alone. */
export function renderMarkdown(result: RunResult | SweepResult, files: { html?: string; hgrm?: readonly string[] } = {}): string {
  const view = stagesOf(result);
  const first = view.stages[0]?.run;
  const out: string[] = [`# ${view.title}${view.interrupted ? ' (interrupted: partial result)' : ''}`, ''];
  if (!first) return `${out.join('\n')}No stage ran.\n`;
  const env = first.environment;
  out.push(
    `Started ${view.startedAt} on Linux ${env.kernelRelease}, Node ${env.nodeVersion}. Target: ${first.target.url}${first.target.kind === 'builtin' ? ' (built-in)' : ''}.`,
    `Close: **${first.plan.close}**; load: ${describeLoad(first.plan)}. Stage policy: ${view.settle}.`,
    '',
    '## Stages',
    '',
    'Stage 1 is the baseline. The model column is the most the 4-tuple space allows in the time the stage ran (see Model).',
    '',
    mdTable(stageHeader(view.axis), stageRows(view.stages).map(stageCells)),
    '',
    '## Model',
    '',
    mdTable(
      ['stage', 'port mode', 'formula', 'notes'],
      view.stages.map((s) => [String(s.index + 1), s.run.plan.portMode, s.run.model.formula, s.run.model.notes.join('; ') || '–']),
    ),
    '',
    '## Errors by code',
    '',
    mdTable(
      ['stage', 'attempts', 'ok', 'errors by code'],
      view.stages.map((s) => [
        String(s.index + 1),
        String(s.run.totals.attempts),
        String(s.run.totals.ok),
        Object.entries(s.run.totals.errors).map(([code, n]) => `${code} ${n}`).join(', ') || 'none',
      ]),
    ),
    '',
    '## Socket sampler',
    '',
    mdTable(
      ['stage', 'samples', 'peak TIME_WAIT client', 'peak TIME_WAIT server', 'peak occupancy of a source', 'cost per sample (mean / max)'],
      view.stages.map((s) => {
        const k = s.run.sockets;
        if (!k) return [String(s.index + 1), 'off', '–', '–', '–', '–'];
        return [
          String(s.index + 1),
          String(k.samples.length),
          String(k.peakTimeWait.client),
          String(k.peakTimeWait.server),
          k.peakOccupancy === null ? '–' : `${(k.peakOccupancy * 100).toFixed(1)} %`,
          `${k.costMs.mean.toFixed(1)} ms / ${k.costMs.max.toFixed(1)} ms`,
        ];
      }),
    ),
    '',
    '## Environment',
    '',
    mdTable(
      ['setting', 'value'],
      [
        ...Object.entries(env.sysctls).map(([k, v]) => [k, v === null ? 'absent' : v === '' ? '(empty)' : v]),
        ['open-file limit', String(env.openFileLimit ?? 'unknown')],
        ['stage durations', view.stages.map((s) => formatDurationMs(s.run.totals.durationMs)).join(', ')],
      ],
    ),
    '',
  );
  if (view.warnings.length > 0) out.push('## Warnings', '', ...view.warnings.map((w) => `- ${w}`), '');
  if (files.html || files.hgrm?.length) {
    out.push('## Files', '');
    if (files.html) out.push(`- HTML report: ${files.html}`);
    for (const f of files.hgrm ?? []) out.push(`- ${f}`);
    out.push('');
  }
  return out.join('\n');
}
