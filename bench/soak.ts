/**
 * Soak: maximum churn for a long time, watching for growth.
 *   npm run soak -- [--duration 10m] [--connections 64]
 * Runs portchurn (non-keepalive, server closing first so no client port fills up) against the
 * built-in target, samples RSS, heap and open handles every second, and compares the first
 * minute with the last. Results go to results/soak-*.json. Bounded by --duration.
 */
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../src/plan/units.js';
import { formatRate, table } from '../src/report/format.js';
import { writeResultFile } from '../src/result/write-result.js';
import { run } from '../src/runner/run.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10m' }, connections: { type: 'string', default: '64' } } });
const durationMs = parseDurationMs('--duration', values.duration);

interface Tick {
  second: number;
  okPerSec: number;
  rssMb: number;
  heapMb: number;
  handles: number;
}
const ticks: Tick[] = [];
const result = await run(
  // On the host (no namespace child): the memory measured below must be the generator's own.
  { duration: values.duration, connections: values.connections, close: 'server', sampleInterval: '0s', netns: false },
  {
    onProgress: (p) => {
      const mem = process.memoryUsage();
      ticks.push({
        second: Math.round(p.elapsedMs / 1000),
        okPerSec: p.lastSecond?.ok ?? 0,
        rssMb: mem.rss / 2 ** 20,
        heapMb: mem.heapUsed / 2 ** 20,
        handles: process.getActiveResourcesInfo().length,
      });
    },
  },
);

const window = Math.min(60, Math.max(1, Math.floor(ticks.length / 3)));
const mean = (list: Tick[], f: (t: Tick) => number): number => list.reduce((a, t) => a + f(t), 0) / Math.max(1, list.length);
const first = ticks.slice(0, window);
const last = ticks.slice(-window);
const rows = (['okPerSec', 'rssMb', 'heapMb', 'handles'] as const).map((k) => {
  const a = mean(first, (t) => t[k]);
  const b = mean(last, (t) => t[k]);
  return { metric: k, first: a, last: b, change: a > 0 ? b / a - 1 : 0 };
});
const report = {
  kind: 'soak',
  at: new Date().toISOString(),
  durationMs,
  windowSec: window,
  connections: Number(values.connections),
  totals: result.totals,
  rows,
  ticks,
};
await mkdir('results', { recursive: true });
const path = await writeResultFile('results', 'soak', report.at, report);
process.stdout.write(
  `soak: ${formatRate(result.totals.okPerSec)} ok/s over ${Math.round(result.totals.durationMs / 1000)} s, ${result.totals.ok} ok, ${result.totals.errorCount} errors; first vs last ${window} s\n` +
    `${table([['metric', `first ${window} s`, `last ${window} s`, 'change'], ...rows.map((r) => [r.metric, r.first.toFixed(1), r.last.toFixed(1), `${(r.change * 100).toFixed(1)} %`])])}\n` +
    `written to ${path}\n`,
);
