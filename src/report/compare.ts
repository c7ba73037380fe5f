import type { AnyResult } from '../result/read-result.js';
import { formatLatencyUs, formatRate, table } from './format.js';
import { stageRows } from './stage-rows.js';
import { mdTable } from './markup.js';
import { stagesOf } from './stages-view.js';
import { natStageName } from '../result/nat-result.js';

/** Rows comparing several results stage by stage; ratios are to the first result's same stage. */
export function compareRows(results: readonly { label: string; result: AnyResult }[]): string[][] {
  // A lab compares as one result per profile.
  const flat = results.flatMap((r) => {
    const res = r.result;
    if (res.kind === 'lab') return res.profiles.map((p) => ({ label: `${r.label} [${p.name}]`, result: p.sweep }));
    if (res.kind === 'proxy') return res.variants.map((v) => ({ label: `${r.label} [${v.kind} ${v.variant}]`, result: v.client }));
    if (res.kind === 'nat') return res.stages.map((s) => ({ label: `${r.label} [${natStageName(res, s)}]`, result: s.client }));
    return [{ label: r.label, result: res }];
  });
  const rowsBy = flat.map((r) => ({ label: r.label, view: stagesOf(r.result), rows: stageRows(stagesOf(r.result).stages) }));
  const reference = rowsBy[0]!.rows;
  const out: string[][] = [];
  for (const { label, view, rows } of rowsBy) {
    const env = view.stages[0]?.run.environment;
    const host = env
      ? `${env.kernelRelease}; range ${env.sysctls['net.ipv4.ip_local_port_range'] ?? '?'}; tw_reuse ${env.sysctls['net.ipv4.tcp_tw_reuse'] ?? '?'}`
      : '';
    for (const [i, row] of rows.entries()) {
      const ref = reference[i];
      out.push([
        label,
        host,
        `${row.stage}: ${view.axis ?? 'run'} ${row.axisValue}`,
        formatRate(row.okPerSec),
        ref && ref.okPerSec > 0 ? `${(row.okPerSec / ref.okPerSec).toFixed(2)}x` : '–',
        row.modelPerSec === null ? 'not port-bound' : formatRate(row.modelPerSec),
        `${row.errorPct.toFixed(1)} %`,
        formatLatencyUs(row.p99Us),
      ]);
    }
  }
  return out;
}

export const COMPARE_HEADER = ['result', 'host', 'stage', 'ok/s', 'x first', 'model ok/s', 'errors', 'p99'];

/** `portchurn compare` as terminal text. */
export function renderCompare(results: readonly { label: string; result: AnyResult }[]): string {
  return `${table([COMPARE_HEADER, ...compareRows(results)])}\n`;
}

/** `portchurn compare --format md`. */
export function renderCompareMarkdown(results: readonly { label: string; result: AnyResult }[]): string {
  const rows = compareRows(results);
  return `${mdTable(COMPARE_HEADER, rows)}\n`;
}
