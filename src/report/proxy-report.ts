import type { ChartAssets } from './html.js';
import { formatCount, formatLatencyUs, formatRate, table } from './format.js';
import { escapeHtml, mdTable } from './markup.js';
import { verdictHtml, verdictMarkdown } from './verdict-text.js';
import type { HaproxyCounters, ProxyResult, ProxyVariantResult } from '../result/proxy-result.js';

/** A variant's label: proxy, variant and (HAProxy) its mode. */
export function variantLabel(v: ProxyVariantResult): string {
  return `${v.kind} ${v.variant}${v.kind === 'haproxy' ? ` (${v.mode})` : ''}`;
}

/** What failed on the client side: error responses by status, then transport errors by code. */
function clientFailures(v: ProxyVariantResult): string {
  const t = v.client.totals;
  const parts = [
    ...Object.entries(t.statuses).map(([status, n]) => `${status}: ${formatCount(n)}`),
    // HTTP_4XX and HTTP_5XX are the statuses above, by class.
    ...Object.entries(t.errors)
      .filter(([code, n]) => (n ?? 0) > 0 && !code.startsWith('HTTP_'))
      .map(([code, n]) => `${code}: ${formatCount(n ?? 0)}`),
  ];
  return parts.join(', ') || 'none';
}

function logCell(v: ProxyVariantResult): string {
  const parts = Object.entries(v.errorLog.byErrno).map(([errno, n]) => `${errno}: ${formatCount(n)}`);
  if (v.errorLog.other > 0) parts.push(`other: ${formatCount(v.errorLog.other)}`);
  return parts.join(', ') || 'none';
}

function countersCell(c: HaproxyCounters | null): string {
  if (!c) return '–';
  const b = c.backend;
  return `connect ${formatCount(b.connects)}, reuse ${formatCount(b.reuses)}, econ ${formatCount(b.connectErrors)}, retries ${formatCount(b.retries)}`;
}

function perConnection(v: ProxyVariantResult): string {
  const per = v.churn?.requestsPerConnection ?? (v.upstream.connections > 0 ? v.upstream.requests / v.upstream.connections : null);
  return per === null ? '–' : per.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function resets(v: ProxyVariantResult): string {
  const sent = v.client.kernel?.tcp.OutRsts;
  return sent === undefined ? '–' : formatCount(sent);
}

function cpuCell(v: ProxyVariantResult): string {
  const c = v.proxyCpu;
  return c ? `${formatCount(Math.round(c.userMs))} / ${formatCount(Math.round(c.systemMs))} ms (${Math.round(c.coreShare * 100)} %)` : '–';
}

/** The variant's readings in one line: churn, port search, exit. */
function readingsOf(v: ProxyVariantResult): string {
  const parts = [v.churn?.reading, v.portSearch?.reading].filter((x): x is string => Boolean(x));
  if (v.proxyExit)
    parts.push(`the proxy exited ${v.proxyExit.signal ?? `with status ${v.proxyExit.code}`} at ${formatCount(v.proxyExit.atMs)} ms`);
  return parts.join('; ');
}

/** Figures of one variant, as the side-by-side table shows them. */
export function variantCells(v: ProxyVariantResult): string[] {
  const spread = Object.entries(v.upstream.byRemoteAddress)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([address, n]) => `${address} ${formatCount(n.connections)}`)
    .join(', ');
  return [
    variantLabel(v),
    formatRate(v.client.totals.okPerSec),
    clientFailures(v),
    logCell(v),
    countersCell(v.counters),
    formatCount(v.upstream.connections),
    formatCount(v.upstream.requests),
    perConnection(v),
    v.churn ? formatRate(v.churn.endedPerSec) : '–',
    v.model.ceilingOk === null ? 'not port-bound' : formatCount(v.model.ceilingOk),
    v.upstreamSockets ? formatCount(v.upstreamSockets.peakTimeWait.client) : '–',
    resets(v),
    formatLatencyUs(v.client.latency.totalUs.summary.p99Us),
    cpuCell(v),
    spread,
  ];
}

export const VARIANT_HEADER = [
  'proxy variant',
  'client ok/s',
  'client errors',
  'proxy log by errno',
  'proxy counters (HAProxy)',
  'upstream connections',
  'upstream requests',
  'requests per upstream connection',
  'upstream connections ended/s',
  'model: upstream connections possible',
  "peak TIME_WAIT (proxy's upstream side)",
  'RSTs sent (namespace)',
  'client p99',
  'proxy CPU user / system (share of a core)',
  'upstream connections by proxy source address',
];

function describe(result: ProxyResult): string {
  const first = result.variants[0];
  if (!first) return 'no variant ran';
  const ns = first.client.plan.netns;
  const loads = new Set(
    result.variants.map((v) => {
      const l = v.client.plan.load;
      const how = v.mode === 'tcp' ? 'a connection per request' : 'keepalive';
      return l.kind === 'closed' ? `${l.connections} client connections (${how})` : `${l.ratePerSec}/s (${how})`;
    }),
  );
  return `profile ${result.profile ?? '(none)'} (${
    Object.entries(ns?.sysctls ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'kernel defaults'
  }); upstream closes: ${first.upstreamClose === 'client' ? 'never first (the proxy closes first)' : 'first (TIME_WAIT sits upstream)'}; client: ${[...loads].join(', ')}`;
}

function title(result: ProxyResult): string {
  return `portchurn proxy (${result.kinds.join(', ')})${result.interrupted ? ' (INTERRUPTED: partial result)' : ''}`;
}

/** Terminal summary of `portchurn proxy`. */
export function renderProxySummary(result: ProxyResult): string {
  const rows = result.variants.map((v) => {
    const c = variantCells(v);
    return [c[0]!, c[1]!, c[2]!, c[3]!, c[5]!, c[7]!, c[9]!, c[10]!, c[13]!];
  });
  const readings = result.variants.filter((v) => readingsOf(v) !== '').map((v) => `  ${variantLabel(v)}: ${readingsOf(v)}`);
  const skipped = result.skipped.map((s) => `  skipped ${s.kind} ${s.variant}: ${s.why}`);
  return `${title(result)}: ${describe(result)}\n\n${table([
    ['variant', 'client ok/s', 'client errors', 'proxy log', 'upstream conns', 'req/conn', 'model', 'TIME_WAIT', 'proxy CPU usr / sys'],
    ...rows,
  ])}\n${readings.length ? `\n${readings.join('\n')}\n` : ''}${skipped.length ? `\n${skipped.join('\n')}\n` : ''}`;
}

function countersTable(c: HaproxyCounters): string {
  return mdTable(
    ['server', 'sessions', 'connects', 'reuses', 'connect errors', 'retries', 'response errors', 'responses by class'],
    [...c.servers, c.backend].map((s) => [
      s.name,
      formatCount(s.sessions),
      formatCount(s.connects),
      formatCount(s.reuses),
      formatCount(s.connectErrors),
      formatCount(s.retries),
      formatCount(s.responseErrors),
      Object.entries(s.responses)
        .filter(([, n]) => n > 0)
        .map(([cls, n]) => `${cls} ${formatCount(n)}`)
        .join(', ') || '–',
    ]),
  );
}

const CASE = [
  'A reverse proxy that opens a new upstream connection per request and closes it first keeps a TIME_WAIT for every one of them; once the source ports to the upstream are used up, `connect()` fails with errno 99 (`EADDRNOTAVAIL`, "Cannot assign requested address"): nginx answers 502, HAProxy logs "no free ports", retries, and answers 503 (http) or closes the client connection (tcp).',
  "HAProxy in http mode ends the server connections it closes with an RST, so it keeps no TIME_WAIT there; in tcp mode it relays the client's close and holds one per connection.",
];

/** The Markdown report: the case, the variants side by side, each reading and configuration to copy. */
export function renderProxyMarkdown(result: ProxyResult): string {
  const out = [
    `# ${title(result)}: ${result.variants.map(variantLabel).join(', ')}`,
    '',
    ...verdictMarkdown(result),
    `Started ${result.startedAt}. Each variant ran in a fresh network namespace: ${describe(result)}.`,
    '',
    ...CASE.flatMap((p) => [p, '']),
    '## Variants side by side',
    '',
    mdTable(VARIANT_HEADER, result.variants.map(variantCells)),
    '',
  ];
  if (result.skipped.length) out.push(...result.skipped.map((s) => `- skipped ${s.kind} \`${s.variant}\`: ${s.why}`), '');
  for (const v of result.variants) {
    out.push(`## ${variantLabel(v)}`, '');
    if (v.churn) out.push(`Churn: ${v.churn.reading}.`, '');
    if (v.portSearch) out.push(`Port search: ${v.portSearch.reading.replace(/^port search: /, '')}.`, '');
    if (v.proxyCpu?.perSecond.length)
      out.push(
        `Proxy CPU per second (system ms): ${v.proxyCpu.perSecond.map((e) => formatCount(Math.round(e.systemMs))).join(', ')}; user ms: ${v.proxyCpu.perSecond.map((e) => formatCount(Math.round(e.userMs))).join(', ')}.`,
        '',
      );
    out.push(`Model: ${v.model.formula}${v.model.notes.length ? ` (${v.model.notes.join('; ')})` : ''}.`);
    if (v.proxyExit)
      out.push(
        '',
        `The proxy exited ${v.proxyExit.signal ?? `with status ${v.proxyExit.code}`} ${formatCount(v.proxyExit.atMs)} ms into the load; the figures are what was measured until then and after.`,
      );
    if (v.splitKey)
      out.push(
        '',
        `Split key: \`${v.splitKey}\`${v.splitKey.includes('remote_port') ? ' (hashes client connections: few keepalive clients fill few buckets, so the split is uneven)' : ''}.`,
      );
    if (v.counters)
      out.push(
        '',
        `HAProxy ${v.counters.info.version}, counters read ${formatCount(v.counters.readAtMs)} ms into the load:`,
        '',
        countersTable(v.counters),
      );
    if (v.errorLog.example) out.push('', `${v.kind} log:`, '', '```', v.errorLog.example, '```');
    const file = v.kind === 'nginx' ? 'nginx.conf' : 'haproxy.cfg';
    out.push('', `${file}:`, '', `\`\`\`${v.kind === 'nginx' ? 'nginx' : 'haproxy'}`, v.config.trimEnd(), '```', '');
  }
  return out.join('\n');
}

/**
 * A self-contained HTML page: the variants side by side, each variant's client ok/s and errors/s
 * over time (uPlot inlined, data embedded), each reading and configuration to copy.
 */
export function renderProxyHtml(result: ProxyResult, assets: ChartAssets): string {
  const { uplotJs, uplotCss } = assets;
  const rows = result.variants.map(variantCells);
  const data = JSON.stringify(
    result.variants.map((v) => {
      // Whole seconds only: a trailing partial second would be drawn as a fall.
      const seconds = v.client.timeSeries.filter((s) => s.coveredMs === undefined);
      return {
        label: variantLabel(v),
        second: seconds.map((s) => s.second + 1),
        ok: seconds.map((s) => s.ok),
        errors: seconds.map((s) => Object.values(s.errors).reduce((a: number, b) => a + (b ?? 0), 0)),
      };
    }),
  ).replace(/</g, '\\u003c');
  const script = `
const data = JSON.parse(document.getElementById('data').textContent);
data.forEach((v, i) => new uPlot({ title: v.label + ': client ok/s and errors/s through the proxy', width: Math.min(960, document.body.clientWidth - 32), height: 220,
  scales: { x: { time: false } }, axes: [{ label: 'second' }, { label: 'per second', size: 70 }],
  series: [{}, { label: 'ok/s', stroke: '#1f77b4', width: 2 }, { label: 'errors/s', stroke: '#d62728', width: 2 }] },
  [v.second, v.ok, v.errors], document.getElementById('chart-' + i)));`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>portchurn proxy</title>
<style>${uplotCss}
body{font:14px/1.45 system-ui,sans-serif;margin:16px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th{text-align:left}
pre{background:#f6f6f6;padding:8px;overflow:auto}.meta{color:#555}.chart{margin:8px 0}.flag{background:#fff3cd;border:1px solid #e0b84a;padding:6px 10px}</style></head>
<body><h1>${escapeHtml(title(result))}: ${escapeHtml(result.variants.map(variantLabel).join(', '))}</h1>
${verdictHtml(result)}
<p class="meta">Started ${escapeHtml(result.startedAt)}. ${escapeHtml(describe(result))}.</p>
${CASE.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<table><thead><tr>${VARIANT_HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>
${result.skipped.map((s) => `<p>Skipped ${escapeHtml(`${s.kind} ${s.variant}: ${s.why}`)}</p>`).join('\n')}
${result.variants
  .map(
    (v, i) => `<h2>${escapeHtml(variantLabel(v))}</h2><div id="chart-${i}" class="chart"></div>
${v.churn ? `<p>Churn: ${escapeHtml(v.churn.reading)}.</p>` : ''}${v.portSearch ? `<p>${escapeHtml(v.portSearch.reading)}.</p>` : ''}<p>Model: ${escapeHtml(v.model.formula)}</p>${v.proxyExit ? `<p>The proxy exited ${escapeHtml(v.proxyExit.signal ?? `with status ${v.proxyExit.code}`)} ${v.proxyExit.atMs} ms into the load.</p>` : ''}${v.errorLog.example ? `<p>${escapeHtml(v.kind)} log:</p><pre>${escapeHtml(v.errorLog.example)}</pre>` : ''}
<p>${v.kind === 'nginx' ? 'nginx.conf' : 'haproxy.cfg'}:</p><pre>${escapeHtml(v.config)}</pre>`,
  )
  .join('\n')}
<script>${uplotJs}</script>
<script id="data" type="application/json">${data}</script>
<script>${script}</script>
</body></html>
`;
}
