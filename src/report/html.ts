import { decodeHistogram, summarize } from '../result/histogram.js';
import type { LatencySummary } from '../result/latency.js';
import type { RunResult } from '../result/result.js';
import type { SweepResult } from '../result/sweep-result.js';
import { formatDurationMs } from './format.js';
import { stageCells, stageHeader, stageRows } from './stage-rows.js';
import { stagesOf, type StagesView } from './stages-view.js';
import { cpuTable, kernelCounterNote, kernelCounterTable, limitedByLines, overflowFlags, portSearchSeconds } from './stage-notes.js';
import { describeLoad } from './terminal.js';
import { escapeHtml } from './markup.js';
import { verdictHtml } from './verdict-text.js';
import type { LabResult } from '../result/lab-result.js';

/** Percentiles of the latency curves, as HdrHistogram plots them (x = 1 / (1 - p)). */
const PERCENTILES = [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999];

/** What an HTML report inlines so that it opens offline: uPlot's script and stylesheet (the caller reads them). */
export interface ChartAssets {
  readonly uplotJs: string;
  readonly uplotCss: string;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** One second's total latency summarised (percentiles capped at its max, as every report states them); null when it has none. */
function secondSummary(hdr: string | undefined): LatencySummary | null {
  const summary = hdr ? summarize(decodeHistogram(hdr)) : null;
  return summary && summary.count > 0 ? summary : null;
}

/** Microseconds to the chart's milliseconds (the log axis needs a value above 0). */
const chartMs = (us: number): number => Math.max(0.001, us / 1000);

/** True when the stages kept latency per second (results from before per-second histograms did not). */
function hasSecondLatency(view: StagesView): boolean {
  return view.stages.some((s) => s.run.timeSeries.some((x) => x.latency?.totalUs !== undefined));
}

/** Everything one section's charts draw, computed here so the page needs no decoding. */
function sectionData(view: StagesView) {
  const rows = stageRows(view.stages);
  return {
    axis: view.axis ?? 'run',
    labels: rows.map((r) => r.axisValue),
    okPerSec: rows.map((r) => r.okPerSec),
    errorsPerSec: rows.map((r) => r.errorsPerSec),
    modelPerSec: rows.map((r) => r.modelPerSec),
    baselinePerSec: rows[0]?.okPerSec ?? 0,
    references: view.references.map((r) => ({ label: `${r.axisValue} reference ok/s`, perSec: r.run.totals.okPerSec })),
    stages: view.stages.map((s) => {
      const samples = s.run.sockets?.samples ?? [];
      // A trailing partial second holds a fraction of a second's counts: drawn, it would look like a fall.
      const seconds = s.run.timeSeries.filter((x) => x.coveredMs === undefined);
      const perSecond = seconds.map((x) => secondSummary(x.latency?.totalUs));
      const latency = s.run.latency.totalCorrectedUs ?? s.run.latency.totalUs;
      const h = latency.summary.count > 0 ? decodeHistogram(latency.hdr) : null;
      const search = portSearchSeconds(s.run);
      return {
        label: `stage ${s.index + 1}: ${view.axis ?? 'run'} ${s.axisValue}`,
        // The port search's model curve and the searching call's median, second by second (null where it did not shape the stage).
        search: search && {
          call: search.call,
          model: search.model,
          callP50Us: search.callP50Us.map((us) => (us === null ? null : Math.max(1, us))),
        },
        second: seconds.map((x) => x.second),
        ok: seconds.map((x) => x.ok),
        errors: seconds.map((x) => Object.values(x.errors).reduce((a: number, b) => a + (b ?? 0), 0)),
        // The sample taken at or before the end of each second.
        timeWait: seconds.map((x) => {
          let v: number | null = null;
          for (const sample of samples) if (sample.tMs <= (x.second + 1) * 1000) v = sample.client.TIME_WAIT ?? 0;
          return v;
        }),
        // Total latency second by second (the interval logs' `total`): p50 and p99 in ms, null for a second with none.
        p50Ms: perSecond.map((x) => (x ? chartMs(x.p50Us) : null)),
        p99Ms: perSecond.map((x) => (x ? chartMs(x.p99Us) : null)),
        corrected: s.run.latency.totalCorrectedUs !== null,
        percentileX: PERCENTILES.map((p) => Math.log10(100 / (100 - p))),
        latencyMs: PERCENTILES.map((p) => (h ? Math.max(0.001, h.getValueAtPercentile(p) / 1000) : null)),
      };
    }),
  };
}

const PAGE_SCRIPT = `
const data = JSON.parse(document.getElementById('data').textContent);
const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const width = () => Math.min(960, document.body.clientWidth - 32);
function fmtPct(x) { const p = 100 - 100 / Math.pow(10, x); return (Math.round(p * 1000) / 1000) + '%'; }
function categorical(labels, label) {
  const x = labels.map((_, i) => i + 1);
  return { x, axis: { label, splits: () => x, values: (u, splits) => splits.map((i) => labels[i - 1] ?? '') }, scale: { time: false, range: [0.5, x.length + 0.5] } };
}

// A lab: ok/s of every profile against the axis, each with its model line.
if (data.lab) {
  const c = categorical(data.lab.labels, data.lab.axis);
  const series = [{}];
  const values = [c.x];
  data.lab.profiles.forEach((p, i) => {
    series.push({ label: p.name + ' ok/s', stroke: palette[i % palette.length], width: 2, points: { size: 8 } });
    values.push(p.ok);
    series.push({ label: p.name + ' model', stroke: palette[i % palette.length], dash: [8, 6], width: 1.5, points: { size: 5 } });
    values.push(p.model);
  });
  new uPlot({ title: 'ok/s by ' + data.lab.axis + ' and profile (dashed: model)', width: width(), height: 340, scales: { x: c.scale },
    axes: [c.axis, { label: 'per second', size: 70 }], series }, values, document.getElementById('chart-lab'));
}

data.sections.forEach((d, k) => {
  // ok/s and errors/s against the axis, with the model and the baseline.
  const c = categorical(d.labels, d.axis);
  new uPlot({
    title: 'ok/s and errors/s by ' + d.axis, width: width(), height: 320, scales: { x: c.scale },
    axes: [c.axis, { label: 'per second', size: 70 }],
    series: [{},
      { label: 'ok/s', stroke: palette[0], width: 2, points: { size: 8 } },
      { label: 'errors/s', stroke: palette[1], width: 2, points: { size: 8 } },
      { label: 'model ok/s', stroke: palette[2], dash: [8, 6], width: 2, points: { size: 6 } },
      { label: 'baseline ok/s', stroke: '#555', dash: [2, 4], width: 1, points: { show: false } },
      ...d.references.map((r, i) => ({ label: r.label, stroke: palette[4 + i], dash: [10, 4], width: 1.5, points: { show: false } }))],
  }, [c.x, d.okPerSec, d.errorsPerSec, d.modelPerSec, c.x.map(() => d.baselinePerSec), ...d.references.map((r) => c.x.map(() => r.perSec))], document.getElementById('chart-axis-' + k));

  // Per stage: ok/s, errors/s and client TIME_WAIT over time.
  d.stages.forEach((s) => {
    const el = document.createElement('div');
    el.className = 'chart';
    document.getElementById('chart-series-' + k).appendChild(el);
    const searchAxes = s.search ? [{ scale: 'us', side: 1, label: s.search.call + ' µs (p50)', size: 70, grid: { show: false } }] : [];
    const searchSeries = s.search ? [{ label: 'model ok/s (port search)', stroke: palette[2], dash: [8, 6], width: 2 },
      { label: s.search.call + ' p50 µs', stroke: palette[4], scale: 'us', width: 1.5, points: { size: 5 } }] : [];
    new uPlot({
      title: s.label, width: width(), height: s.search ? 260 : 220,
      scales: { x: { time: false }, tw: {}, ...(s.search ? { us: { distr: 3 } } : {}) },
      axes: [{ label: 'second' }, { label: 'per second', size: 70 }, { scale: 'tw', side: 1, label: 'TIME_WAIT', size: 70, grid: { show: false } }, ...searchAxes],
      series: [{}, { label: 'ok/s', stroke: palette[0], width: 2 }, { label: 'errors/s', stroke: palette[1], width: 2 },
        { label: 'TIME_WAIT (client)', stroke: palette[3], scale: 'tw', dash: [4, 3], width: 1.5 }, ...searchSeries],
    }, [s.second.map((v) => v + 1), s.ok, s.errors, s.timeWait, ...(s.search ? [s.search.model, s.search.callP50Us] : [])], el);
  });

  // Total latency second by second, per stage: p99 solid, p50 dashed, on a log scale.
  const overTime = document.getElementById('chart-latency-time-' + k);
  if (overTime) {
    const longest = d.stages.reduce((a, s) => (s.second.length > a.length ? s.second : a), []);
    new uPlot({
      title: 'total latency by second (ms): p99 solid, p50 dashed', width: width(), height: 300,
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [{ label: 'second' }, { label: 'ms', size: 70 }],
      series: [{}, ...d.stages.flatMap((s, i) => [
        { label: s.label + ' p99', stroke: palette[i % palette.length], width: 2, spanGaps: false },
        { label: s.label + ' p50', stroke: palette[i % palette.length], dash: [6, 4], width: 1.5, spanGaps: false },
      ])],
    }, [longest.map((v) => v + 1), ...d.stages.flatMap((s) => [longest.map((_, j) => s.p99Ms[j] ?? null), longest.map((_, j) => s.p50Ms[j] ?? null)])], overTime);
  }

  // Latency percentile curves per stage.
  const x = d.stages[0] ? d.stages[0].percentileX : [];
  new uPlot({
    title: 'total latency by percentile (ms)', width: width(), height: 340,
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 'percentile', splits: () => x, values: (u, splits) => splits.map(fmtPct) }, { label: 'ms', size: 70 }],
    series: [{}, ...d.stages.map((s, i) => ({ label: s.label + (s.corrected ? ' (corrected)' : ''), stroke: palette[i % palette.length], width: 2, points: { size: 5 } }))],
  }, [x, ...d.stages.map((s) => s.latencyMs)], document.getElementById('chart-latency-' + k));
});
`;

/** The static part of one section: tables and the containers its charts draw into. */
function sectionHtml(view: StagesView, k: number, h: string): string {
  const first = view.stages[0]?.run;
  if (!first) return '<p>No stage ran.</p>';
  const env = first.environment;
  const ns = first.plan.netns;
  const kernel = kernelCounterTable(view);
  const cpu = cpuTable(view);
  const why = limitedByLines(view);
  const flags = [...(view.sharedHost ? [view.sharedHost] : []), ...overflowFlags(view)];
  return `${flags.map((f) => `<p class="flag">${escapeHtml(f)}</p>`).join('\n')}${view.namespaceLine ? `\n<p class="note">${escapeHtml(view.namespaceLine)}</p>` : ''}
<p class="meta">Started ${escapeHtml(view.startedAt)} · Linux ${escapeHtml(env.kernelRelease)} · Node ${escapeHtml(env.nodeVersion)} · target ${escapeHtml(first.target.url)}${first.target.kind === 'builtin' ? ' (built-in)' : ''}<br>
close <b>${escapeHtml(first.plan.close)}</b> · ${escapeHtml(describeLoad(first.plan))} · stage policy: ${escapeHtml(view.settle)}${
    view.portModeLine ? `<br>${escapeHtml(view.portModeLine)}` : ''
  }${
    ns
      ? `<br>namespace settings: ${escapeHtml(
          Object.entries(ns.sysctls)
            .map(([a, b]) => `${a}=${b}`)
            .join(', ') || 'kernel defaults',
        )}`
      : ''
  }</p>
<${h}>Throughput against the 4-tuple space</${h}>
<div id="chart-axis-${k}" class="chart"></div>
<p class="note">Stage 1 is the baseline (dotted line). The model line is the most the 4-tuple space allows in the time each stage ran; where a stage is not port-bound it has no model point.</p>
${table(stageHeader(view.axis), stageRows(view.stages, view.references).map(stageCells))}
${why.length ? `<${h}>Why each stage ran at its rate</${h}><ul>${why.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : ''}
<${h}>Kernel counters</${h}>
<p class="note">${escapeHtml(kernelCounterNote(kernel.hostScoped))}</p>
${table(kernel.header, kernel.rows)}
<${h}>CPU</${h}>
${table(cpu.header, cpu.rows)}
<${h}>Per stage over time</${h}>
<div id="chart-series-${k}"></div>${
    view.stages.some((st) => st.run.model.portSearch)
      ? `\n<p class="note">Where the kernel's port search shaped a stage, its chart adds the model's curve (dashed) and the median time of the call the search runs in (right, log scale), as the native engine timed it.</p>`
      : ''
  }
<${h}>Latency percentiles</${h}>
<div id="chart-latency-${k}" class="chart"></div>${
    hasSecondLatency(view)
      ? `\n<div id="chart-latency-time-${k}" class="chart"></div>\n<p class="note">Second by second, from the per-second histograms the interval logs (.hlog) are written from; a value is in the second its connection ended.</p>`
      : ''
  }
<${h}>Model</${h}>
${table(
  ['stage', 'port mode', 'formula', 'notes'],
  view.stages.map((s) => [String(s.index + 1), s.run.plan.portMode, s.run.model.formula, s.run.model.notes.join('; ') || '–']),
)}
<${h}>Environment</${h}>
${table(['setting', 'value'], [...Object.entries(env.sysctls).map(([a, b]) => [a, b ?? 'absent']), ['open-file limit', String(env.openFileLimit ?? 'unknown')], ['stage durations', view.stages.map((s) => formatDurationMs(s.run.totals.durationMs)).join(', ')]])}
${view.warnings.length ? `<${h}>Warnings</${h}><ul>${view.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}`;
}

/**
 * A self-contained HTML page for a run, sweep or lab: no network needed to open it; uPlot and its
 * stylesheet (`assets`) are inlined, the data is embedded as JSON.
 */
export function renderHtml(result: RunResult | SweepResult | LabResult, assets: ChartAssets): string {
  const views =
    result.kind === 'lab'
      ? result.profiles.map((p) => ({ heading: `Profile ${p.name}: ${p.description}`, view: stagesOf(p.sweep) }))
      : [{ heading: null, view: stagesOf(result) }];
  const title =
    result.kind === 'lab'
      ? `portchurn lab: ${result.profiles.map((p) => p.name).join(', ')}${result.profiles[0] ? ` x ${result.profiles[0].sweep.axis}` : ''}`
      : views[0]!.view.title;
  const lab =
    result.kind === 'lab' && result.profiles[0]
      ? {
          axis: result.profiles[0].sweep.axis,
          labels: result.profiles[0].sweep.stages.map((s) => s.axisValue),
          profiles: result.profiles.map((p) => ({
            name: p.name,
            ok: stageRows(p.sweep.stages).map((r) => r.okPerSec),
            model: stageRows(p.sweep.stages).map((r) => r.modelPerSec),
          })),
        }
      : null;
  const data = JSON.stringify({ lab, sections: views.map((v) => sectionData(v.view)) }).replace(/</g, '\\u003c');
  const any = views.some((v) => v.view.stages.length > 0);
  const body = [
    lab
      ? `<h2>Profiles side by side</h2><div id="chart-lab" class="chart"></div><p class="note">Every stage ran in a fresh network namespace with the profile's settings; the host was not changed.</p>`
      : '',
    ...views.map((v, k) => (v.heading ? `<h2>${escapeHtml(v.heading)}</h2>${sectionHtml(v.view, k, 'h3')}` : sectionHtml(v.view, k, 'h2'))),
    any
      ? `<script>${assets.uplotJs}</script>\n<script id="data" type="application/json">${data}</script>\n<script>${PAGE_SCRIPT}</script>`
      : '',
  ].join('\n');
  const interrupted = result.kind === 'lab' ? result.interrupted : views[0]!.view.interrupted;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${assets.uplotCss}
body{font:14px/1.45 system-ui,sans-serif;margin:16px;color:#222}h1{font-size:20px}h2{font-size:17px;margin-top:28px}h3{font-size:15px;margin-top:22px}
table{border-collapse:collapse;margin:8px 0;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th{text-align:left}
.meta,.note{color:#555}.flag{background:#fff3cd;border:1px solid #e0b84a;padding:6px 10px}.chart{margin:8px 0}</style></head>
<body><h1>${escapeHtml(title)}${interrupted ? ' (interrupted: partial result)' : ''}</h1>${verdictHtml(result)}${body}</body></html>
`;
}
