import type { RunResult } from '../result/result.js';
import type { SweepResult } from '../result/sweep-result.js';
import { formatCount, formatDurationMs, formatRate } from './format.js';
import { stageCells, stageHeader, stageRows } from './stage-rows.js';
import { stagesOf, type StagesView } from './stages-view.js';
import {
  cpuTable,
  kernelCounterNote,
  kernelCounterTable,
  limitedByLines,
  overflowFlags,
  portSearchLines,
  portSearchSeconds,
} from './stage-notes.js';
import { describeLoad } from './terminal.js';
import { mdTable } from './markup.js';
import { verdictMarkdown } from './verdict-text.js';
import type { LabResult } from '../result/lab-result.js';

/** The sections of one run or sweep, with headings at level `h` (`##`). */
function viewSections(view: StagesView, h: string): string[] {
  const first = view.stages[0]?.run;
  if (!first) return ['No stage ran.', ''];
  const env = first.environment;
  const out: string[] = [];
  const flags = overflowFlags(view);
  if (view.sharedHost) out.push(`> **${view.sharedHost}**`, '');
  if (view.namespaceLine) out.push(view.namespaceLine, '');
  for (const flag of flags) out.push(`> **Warning:** ${flag}`, '');
  const kernel = kernelCounterTable(view);
  const cpu = cpuTable(view);
  const why = [...limitedByLines(view), ...portSearchLines(view)];
  out.push(
    `Started ${view.startedAt} on Linux ${env.kernelRelease}, Node ${env.nodeVersion}. Target: ${first.target.url}${first.target.kind === 'builtin' ? ' (built-in)' : ''}.`,
    `Close: **${first.plan.close}**; load: ${describeLoad(first.plan)}. Stage policy: ${view.settle}.`,
    ...(view.portModeLine ? [view.portModeLine] : []),
    ...(first.plan.netns
      ? [
          `Namespace settings: ${
            Object.entries(first.plan.netns.sysctls)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || 'the kernel defaults'
          }${first.plan.netns.profile ? ` (profile ${first.plan.netns.profile})` : ''}.`,
        ]
      : []),
    '',
    `${h} Stages`,
    '',
    `Stage 1 is the baseline${view.references.length > 0 ? '; rows marked ref are references beside it, not part of the axis' : ''}. The model column is the most the 4-tuple space allows in the time the stage ran (see Model).`,
    '',
    mdTable(stageHeader(view.axis), stageRows(view.stages, view.references).map(stageCells)),
    '',
    ...(why.length > 0 ? [`${h} Why each stage ran at its rate`, '', ...why.map((l) => `- ${l}`), ''] : []),
    ...portSearchSection(view, h),
    `${h} Kernel counters`,
    '',
    kernelCounterNote(kernel.hostScoped),
    '',
    mdTable(kernel.header, kernel.rows),
    '',
    `${h} CPU`,
    '',
    "CPU time over the stage: the generator is every thread of its process but the built-in target's (load threads, sampler, Node's own); the target is its one thread. A namespaced stage's process is its own.",
    '',
    mdTable(cpu.header, cpu.rows),
    '',
    `${h} Model`,
    '',
    mdTable(
      ['stage', 'port mode', 'formula', 'notes'],
      [
        ...view.stages.map((s) => [String(s.index + 1), s.run.plan.portMode, s.run.model.formula, s.run.model.notes.join('; ') || '–']),
        ...view.references.map((s) => ['ref', s.run.plan.portMode, s.run.model.formula, s.run.model.notes.join('; ') || '–']),
      ],
    ),
    '',
    `${h} Errors by code`,
    '',
    mdTable(
      ['stage', 'attempts', 'ok', 'errors by code'],
      [...view.stages, ...view.references].map((s, i) => [
        i >= view.stages.length ? 'ref' : String(s.index + 1),
        String(s.run.totals.attempts),
        String(s.run.totals.ok),
        Object.entries(s.run.totals.errors)
          .map(([code, n]) => `${code} ${n}`)
          .join(', ') || 'none',
      ]),
    ),
    '',
    `${h} Socket sampler`,
    '',
    mdTable(
      ['stage', 'samples', 'peak TIME_WAIT client', 'peak TIME_WAIT server', 'peak occupancy of a source', 'cost per sample (mean / max)'],
      [...view.stages, ...view.references].map((s, i) => {
        const k = s.run.sockets;
        const label = i >= view.stages.length ? 'ref' : String(s.index + 1);
        if (!k) return [label, 'off', '–', '–', '–', '–'];
        return [
          label,
          String(k.samples.length),
          String(k.peakTimeWait.client),
          String(k.peakTimeWait.server),
          k.peakOccupancy === null ? '–' : `${(k.peakOccupancy * 100).toFixed(1)} %`,
          `${k.costMs.mean.toFixed(1)} ms / ${k.costMs.max.toFixed(1)} ms${k.via ? ` (${k.via})` : ''}`,
        ];
      }),
    ),
    '',
    `${h} Environment`,
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
  if (view.warnings.length > 0) out.push(`${h} Warnings`, '', ...view.warnings.map((w) => `- ${w}`), '');
  return out;
}

/** The profile-by-axis table of a lab: ok/s (model, errors) of each stage under each profile. */
function labTable(result: LabResult): string {
  const rows = result.profiles.map((p) => stageRows(p.sweep.stages));
  const first = result.profiles[0]?.sweep;
  const header = [first?.axis ?? 'stage', ...result.profiles.map((p) => `${p.name}: ok/s (model; errors)`)];
  const count = Math.max(0, ...rows.map((r) => r.length));
  const body = Array.from({ length: count }, (_, i) => [
    first?.stages[i]?.axisValue ?? String(i + 1),
    ...rows.map((r) => {
      const row = r[i];
      if (!row) return '–';
      const model = row.modelPerSec === null ? 'not port-bound' : formatRate(row.modelPerSec);
      return `${formatRate(row.okPerSec)} (${model}; ${row.errorPct.toFixed(1)} %)`;
    }),
  ]);
  return mdTable(header, body);
}

/** The Markdown report of a run, a sweep or a lab, rendered from the result alone. */
export function renderMarkdown(
  result: RunResult | SweepResult | LabResult,
  files: { html?: string; histograms?: readonly string[] } = {},
): string {
  const out: string[] = [];
  if (result.kind === 'lab') {
    const first = result.profiles[0]?.sweep;
    out.push(
      `# portchurn lab: ${result.profiles.map((p) => p.name).join(', ')}${first ? ` x ${first.axis} ${first.values.join(', ')}` : ''}${result.interrupted ? ' (interrupted: partial result)' : ''}`,
      '',
      ...verdictMarkdown(result),
    );
    out.push("Every stage ran in a fresh network namespace with the profile's settings; the host was not changed.", '');
    out.push('## Profiles side by side', '', labTable(result), '');
    out.push(
      mdTable(
        ['profile', 'what it is', 'settings written in each namespace'],
        result.profiles.map((p) => [
          p.name,
          p.description,
          Object.entries(p.sysctls)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || '(none)',
        ]),
      ),
      '',
    );
    for (const p of result.profiles) out.push(`## Profile ${p.name}`, '', ...viewSections(stagesOf(p.sweep), '###'));
  } else {
    const view = stagesOf(result);
    out.push(
      `# ${view.title}${view.interrupted ? ' (interrupted: partial result)' : ''}`,
      '',
      ...verdictMarkdown(result),
      ...viewSections(view, '##'),
    );
  }
  if (files.html || files.histograms?.length) {
    out.push('## Files', '');
    if (files.html) out.push(`- HTML report: ${files.html}`);
    // .hgrm: one histogram's percentiles; .hlog: a stage's interval log (HdrHistogram's log tools).
    for (const f of files.histograms ?? []) out.push(`- ${f}`);
    out.push('');
  }
  return out.join('\n');
}

/** Second by second, for each stage the port search shaped: measured ok, the model's curve, the searching call's median. */
function portSearchSection(view: StagesView, h: string): string[] {
  const entries = [
    ...view.stages.map((s) => ({ label: `stage ${s.index + 1}`, s })),
    ...view.references.map((s) => ({ label: `ref ${s.axisValue}`, s })),
  ]
    .map(({ label, s }) => ({ label, seconds: portSearchSeconds(s.run) }))
    .filter((e): e is { label: string; seconds: NonNullable<ReturnType<typeof portSearchSeconds>> } => e.seconds !== null);
  if (entries.length === 0) return [];
  const longest = Math.max(...entries.map((e) => e.seconds.seconds.length));
  const cell = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : formatCount(n));
  const rows = entries.flatMap(({ label, seconds: x }) => [
    [label, 'ok', ...Array.from({ length: longest }, (_, i) => cell(x.ok[i]))],
    ['', 'model', ...Array.from({ length: longest }, (_, i) => cell(x.model[i]))],
    ['', `${x.call} p50 µs`, ...Array.from({ length: longest }, (_, i) => cell(x.callP50Us[i]))],
  ]);
  return [
    `${h} Port search by second`,
    '',
    "Each second of the stages the kernel's port search shaped: ok measured, ok the model predicted (its curve, from the probe), and the median time of the call the search runs in, as the native engine timed it.",
    '',
    mdTable(['stage', '', ...Array.from({ length: longest }, (_, i) => `s${i + 1}`)], rows),
    '',
  ];
}
