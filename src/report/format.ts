/** A count with thousands separators: 12,345. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A rate with one decimal: 9,812.3. */
export function formatRate(n: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** A latency in microseconds, shown in the unit that keeps it short: 850µs, 12.35ms, 1.20s. */
export function formatLatencyUs(us: number): string {
  if (us < 10_000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(2)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

/** A duration in milliseconds: 850ms, 10.0s, 2m05s. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Lays out rows as aligned columns: the first column left-aligned, the rest right-aligned. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}
