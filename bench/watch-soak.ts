/**
 * The watch exporter under load, for a long time:
 *   npm run soak:watch -- [--duration 10m] [--rate 1700]
 * As root: a private network namespace holds about `rate` x 60 TIME_WAIT sockets all along (an
 * open-loop load of portchurn inside it, the client closing first, 16 source addresses, bounded by
 * the duration and a little more), `portchurn watch --all-netns --metrics-listen` reads it, and this
 * script scrapes the exporter every second: each scrape's status, the read's own reported time and
 * sockets, and the exporter's RSS from /proc. Compares the first minute with the last. Results go
 * to results/watch-soak-*.json. Every process it starts is stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../src/plan/units.js';
import { table } from '../src/report/format.js';
import { writeResultFile } from '../src/result/write-result.js';
import { median } from './stats.js';
import { freePort } from '../src/env/free-port.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10m' }, rate: { type: 'string', default: '1700' } } });
const durationMs = parseDurationMs('--duration', values.duration);
if (process.getuid?.() !== 0) throw new Error('the watch soak needs root: it makes a network namespace of its own');
const BIN = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// The load: inside a namespace of its own (its TIME_WAIT dies with it), on the host's side of nothing.
const loadSeconds = Math.ceil(durationMs / 1000) + 90;
const load = spawn(
  'unshare',
  [
    '-n',
    'sh',
    '-c',
    `ip link set lo up && exec "$0" "$1" run --no-netns --sources 16 --port-mode nobind --close client --rate ${values.rate} -d ${loadSeconds}s --sample-interval 0s --quiet --out /tmp`,
    process.execPath,
    BIN,
  ],
  { stdio: 'ignore' },
);
children.push(load);
// Wait for the TIME_WAIT to build (a minute of the load) before the soak starts.
process.stderr.write('building TIME_WAIT for 60 s\n');
await new Promise((resolve) => setTimeout(resolve, 60_000));

const port = await freePort();
const exporter = spawn(process.execPath, [BIN, 'watch', '--all-netns', '--metrics-listen', `127.0.0.1:${port}`, '--interval', '1s'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
children.push(exporter);
await new Promise<void>((resolve) => exporter.stdout!.once('data', () => resolve()));

interface Tick {
  second: number;
  status: number;
  readMs: number;
  socketsRead: number;
  rssMb: number;
}
const ticks: Tick[] = [];
const started = performance.now();
while (performance.now() - started < durationMs) {
  const t0 = performance.now();
  let status = 0;
  let text = '';
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    status = res.status;
    text = await res.text();
  } catch {
    status = -1;
  }
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  ticks.push({
    second: Math.round((t0 - started) / 1000),
    status,
    readMs: value('portchurn_watch_read_duration_seconds') * 1000,
    socketsRead: value('portchurn_watch_read_sockets'),
    rssMb: rssMb(exporter.pid!),
  });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - t0))));
}
exporter.kill('SIGTERM');
load.kill('SIGTERM');

const first = ticks.filter((t) => t.second < 60);
const last = ticks.filter((t) => t.second >= ticks.at(-1)!.second - 60);
const row = (label: string, list: Tick[]): string[] => [
  label,
  median(list.map((t) => t.socketsRead)).toFixed(0),
  median(list.map((t) => t.readMs)).toFixed(1),
  Math.max(...list.map((t) => t.readMs)).toFixed(1),
  median(list.map((t) => t.rssMb)).toFixed(1),
];
const failed = ticks.filter((t) => t.status !== 200).length;
const report = {
  kind: 'watch-soak',
  at: new Date().toISOString(),
  durationMs,
  rate: Number(values.rate),
  scrapes: ticks.length,
  failed,
  ticks,
};
const path = await writeResultFile('results', 'watch-soak', report.at, report);
process.stdout.write(
  [
    `portchurn watch soak: ${ticks.length} scrapes over ${values.duration}, one a second; ${failed} failed`,
    '',
    table([['minute', 'sockets read', 'read ms (median)', 'read ms (max)', 'exporter RSS MB'], row('first', first), row('last', last)]),
    '',
    `written to ${path}`,
    '',
  ].join('\n'),
);
process.exit(failed === 0 ? 0 : 1);
