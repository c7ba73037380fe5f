/**
 * Which transport for one-request connections: portchurn's raw socket path against undici
 * (`reset: true`, the HTTP client we would otherwise use) and autocannon (`Connection: close`),
 * same built-in target, same run, tools alternated, medians of several repetitions.
 *
 *   npm run bench -- [--seconds 5] [--reps 3] [--connections 64]
 *
 * Every run is bounded in time; the target is a loopback worker thread that closes first, so
 * TIME_WAIT sits on the server side and no client port range fills up.
 */
import { mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { run } from '../src/run.js';
import { startBuiltinTarget } from '../src/target/builtin-target.js';
import { writeResultFile } from '../src/result/write-result.js';
import { formatRate, table } from '../src/report/format.js';
import { median, withCpu } from './stats.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, reps: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' } },
});
const seconds = Number(values.seconds);
const reps = Number(values.reps);
const connections = Number(values.connections);

/** One tool's measured rate of completed (2xx) requests per second. */
type Tool = (url: string) => Promise<number>;

const tools: Record<string, Tool> = {
  portchurn: async (url) => {
    const r = await run({ target: url, connections: String(connections), duration: `${seconds}s`, close: 'server' });
    return r.totals.okPerSec;
  },
  'undici reset:true': async (url) => {
    const pool = new Pool(url, { connections, pipelining: 1 });
    let ok = 0;
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    const loop = async (): Promise<void> => {
      while (performance.now() < end) {
        try {
          const res = await pool.request({ path: '/', method: 'GET', reset: true });
          await res.body.dump();
          if (res.statusCode === 200) ok++;
        } catch {
          // counted as not ok
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, loop));
    const elapsed = (performance.now() - started) / 1000;
    await pool.destroy();
    return ok / elapsed;
  },
  autocannon: async (url) => {
    const r = await autocannon({ url, connections, duration: seconds, headers: { connection: 'close' } });
    return r['2xx'] / r.duration;
  },
};

const target = await startBuiltinTarget({ listen: [{ host: '127.0.0.1', port: 0 }], close: 'server', delayMs: 0, bodyBytes: 2 });
const url = `http://127.0.0.1:${target.addresses[0]!.port}/`;
const names = Object.keys(tools);
const samples: Record<string, { rate: number; cpuSecPer1k: number }[]> = Object.fromEntries(names.map((n) => [n, []]));
try {
  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order each repetition so no tool always runs first (or last, on a warm machine).
    const order = names.map((_, i) => names[(i + rep) % names.length]!);
    for (const name of order) {
      const { value: rate, cpuSec } = await withCpu(() => tools[name]!(url));
      samples[name]!.push({ rate, cpuSecPer1k: (cpuSec / (rate * seconds)) * 1000 });
      process.stderr.write(`rep ${rep + 1}/${reps} ${name}: ${formatRate(rate)} req/s\n`);
    }
  }
} finally {
  await target.close();
}

const base = median(samples.autocannon!.map((s) => s.rate));
const rows = names.map((name) => {
  const rate = median(samples[name]!.map((s) => s.rate));
  return { name, rate, ratioToAutocannon: rate / base, cpuSecPer1k: median(samples[name]!.map((s) => s.cpuSecPer1k)) };
});
const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version };
const report = { kind: 'bench-transport', at: new Date().toISOString(), machine, seconds, reps, connections, rows, samples };
await mkdir('results', { recursive: true });
const path = await writeResultFile('results', 'bench-transport', report.at, report);
process.stdout.write(
  `one-request connections, ${connections} in flight, ${seconds}s x ${reps} reps, server closes first; ${machine.cpus} cores, ${machine.model}, Node ${machine.node}\n` +
    `${table([
      ['tool', 'median req/s', 'x autocannon', 'CPU s per 1k (whole process)'],
      ...rows.map((r) => [r.name, formatRate(r.rate), r.ratioToAutocannon.toFixed(2), r.cpuSecPer1k.toFixed(3)]),
    ])}\n` +
    `written to ${path}\n`,
);
