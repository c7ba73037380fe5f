import type { ChartAssets } from './html.js';
import { formatCount, formatLatencyUs, formatRate, table } from './format.js';
import { escapeHtml, mdTable } from './markup.js';
import type { NginxResult, NginxVariantResult } from '../result/nginx-result.js';

/** Figures of one variant, as the side-by-side table shows them. */
export function variantCells(v: NginxVariantResult): string[] {
  const c = v.client.totals;
  const upstreamOk = v.upstream.requests;
  const spread = Object.entries(v.upstream.byRemoteAddress)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([address, n]) => `${address} ${formatCount(n.connections)}`)
    .join(', ');
  return [
    v.variant,
    formatRate(c.okPerSec),
    formatCount(c.statuses['502'] ?? 0),
    Object.entries(v.errorLog.byErrno)
      .map(([errno, n]) => `${errno}: ${formatCount(n)}`)
      .join(', ') || 'none',
    formatCount(v.upstream.connections),
    formatCount(upstreamOk),
    v.model.ceilingOk === null ? 'not port-bound' : formatCount(v.model.ceilingOk),
    v.upstreamSockets ? formatCount(v.upstreamSockets.peakTimeWait.client) : '–',
    formatLatencyUs(v.client.latency.totalUs.summary.p99Us),
    spread,
  ];
}

export const VARIANT_HEADER = [
  'variant',
  'client ok/s',
  '502s',
  'nginx error log by errno',
  'upstream connections',
  'upstream requests',
  'model: upstream connections possible',
  'peak TIME_WAIT (nginx upstream side)',
  'client p99',
  'upstream connections by nginx source address',
];

function describe(result: NginxResult): string {
  const first = result.variants[0];
  if (!first) return 'no variant ran';
  const ns = first.client.plan.netns;
  const load =
    first.client.plan.load.kind === 'closed'
      ? `${first.client.plan.load.connections} keepalive client connections`
      : `${first.client.plan.load.ratePerSec}/s`;
  return `profile ${result.profile ?? '(none)'} (${
    Object.entries(ns?.sysctls ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'kernel defaults'
  }); upstream closes: ${first.upstreamClose === 'client' ? 'never first (nginx closes first and holds the TIME_WAIT)' : 'first (TIME_WAIT sits upstream)'}; client: ${load}`;
}

/** Terminal summary of `portchurn nginx`. */
export function renderNginxSummary(result: NginxResult): string {
  const cells = result.variants.map(variantCells);
  return `portchurn nginx${result.interrupted ? ' (INTERRUPTED: partial result)' : ''}: ${describe(result)}\n\n${table([
    ['variant', 'client ok/s', '502s', 'errno lines', 'upstream conns', 'model', 'TIME_WAIT'],
    ...cells.map((c) => [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[6]!, c[7]!]),
  ])}\n`;
}

/** The Markdown report: the case, the variants side by side, each configuration to copy. */
export function renderNginxMarkdown(result: NginxResult): string {
  const out = [
    `# portchurn nginx: ${result.variants.map((v) => v.variant).join(', ')}${result.interrupted ? ' (interrupted: partial result)' : ''}`,
    '',
    `Started ${result.startedAt}. Each variant ran in a fresh network namespace: ${describe(result)}.`,
    '',
    'A reverse proxy that opens a new upstream connection per request and closes it first keeps a TIME_WAIT for every one of them; once the source ports to the upstream are used up, `connect()` fails with errno 99 (`EADDRNOTAVAIL`, "Cannot assign requested address") and nginx answers 502.',
    '',
    '## Variants side by side',
    '',
    mdTable(VARIANT_HEADER, result.variants.map(variantCells)),
    '',
  ];
  for (const v of result.variants) {
    out.push(`## ${v.variant}`, '');
    out.push(`Model: ${v.model.formula}${v.model.notes.length ? ` (${v.model.notes.join('; ')})` : ''}.`);
    if (v.splitKey)
      out.push(
        `Split key: \`${v.splitKey}\`${v.splitKey.includes('remote_port') ? ' (hashes client connections: few keepalive clients fill few buckets, so the split is uneven)' : ''}.`,
      );
    if (v.errorLog.example) out.push('', 'nginx error log:', '', '```', v.errorLog.example, '```');
    out.push('', 'nginx.conf:', '', '```nginx', v.config.trimEnd(), '```', '');
  }
  return out.join('\n');
}

/**
 * A self-contained HTML page: the variants side by side, each variant's client ok/s and 502/s
 * over time (uPlot inlined, data embedded), each configuration to copy.
 */
export function renderNginxHtml(result: NginxResult, assets: ChartAssets): string {
  const { uplotJs, uplotCss } = assets;
  const rows = result.variants.map(variantCells);
  const data = JSON.stringify(
    result.variants.map((v) => {
      // Whole seconds only: a trailing partial second would be drawn as a fall.
      const seconds = v.client.timeSeries.filter((s) => s.coveredMs === undefined);
      return {
        label: v.variant,
        second: seconds.map((s) => s.second + 1),
        ok: seconds.map((s) => s.ok),
        errors: seconds.map((s) => Object.values(s.errors).reduce((a: number, b) => a + (b ?? 0), 0)),
      };
    }),
  ).replace(/</g, '\\u003c');
  const script = `
const data = JSON.parse(document.getElementById('data').textContent);
data.forEach((v, i) => new uPlot({ title: v.label + ': client ok/s and errors/s (502s) through nginx', width: Math.min(960, document.body.clientWidth - 32), height: 220,
  scales: { x: { time: false } }, axes: [{ label: 'second' }, { label: 'per second', size: 70 }],
  series: [{}, { label: 'ok/s', stroke: '#1f77b4', width: 2 }, { label: 'errors/s', stroke: '#d62728', width: 2 }] },
  [v.second, v.ok, v.errors], document.getElementById('chart-' + i)));`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>portchurn nginx</title>
<style>${uplotCss}
body{font:14px/1.45 system-ui,sans-serif;margin:16px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th{text-align:left}
pre{background:#f6f6f6;padding:8px;overflow:auto}.meta{color:#555}.chart{margin:8px 0}</style></head>
<body><h1>portchurn nginx: ${escapeHtml(result.variants.map((v) => v.variant).join(', '))}${result.interrupted ? ' (interrupted: partial result)' : ''}</h1>
<p class="meta">Started ${escapeHtml(result.startedAt)}. ${escapeHtml(describe(result))}.</p>
<table><thead><tr>${VARIANT_HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>
${result.variants
  .map(
    (v, i) => `<h2>${escapeHtml(v.variant)}</h2><div id="chart-${i}" class="chart"></div>
<p>Model: ${escapeHtml(v.model.formula)}</p>${v.errorLog.example ? `<p>nginx error log:</p><pre>${escapeHtml(v.errorLog.example)}</pre>` : ''}
<p>nginx.conf:</p><pre>${escapeHtml(v.config)}</pre>`,
  )
  .join('\n')}
<script>${uplotJs}</script>
<script id="data" type="application/json">${data}</script>
<script>${script}</script>
</body></html>
`;
}
