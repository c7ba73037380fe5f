/**
 * One bench measurement in a process of its own, so CPU and peak RSS belong to that tool alone:
 *   node dist/bench/tool.js <portchurn|autocannon|undici> <url> <close|client|keepalive> <seconds> <connections> [extra portchurn option=value ...]
 * Prints one JSON line: { okPerSec, ok, cpuSec, maxRssMb }.
 */
import autocannon from 'autocannon';
import { Pool } from 'undici';
import type { RunOptions } from '../src/plan/build-plan.js';
import { run } from '../src/runner/run.js';
import { probePortSearch } from '../src/runner/port-search-probe.js';

const [tool = '', url = '', mode = 'close', secondsText = '5', connectionsText = '64', ...extra] = process.argv.slice(2);
const seconds = Number(secondsText);
const connections = Number(connectionsText);
const keepalive = mode === 'keepalive';
// close: the server closes first (Connection: close); client: the client closes first; keepalive.
const closePolicy = keepalive ? 'keepalive' : mode === 'client' ? 'client' : 'server';

async function measure(): Promise<{ ok: number; elapsedSec: number; attempts?: number }> {
  if (tool === 'portchurn') {
    const options: RunOptions = { connections, duration: `${seconds}s`, close: closePolicy, sampleInterval: '0s' };
    if (url !== 'builtin') options.target = url;
    for (const kv of extra) {
      const [k, v = ''] = kv.split('=');
      // Booleans as booleans: the string 'false' would read as set.
      (options as Record<string, unknown>)[k!] = v === 'true' ? true : v === 'false' ? false : v;
    }
    if (options.requests !== undefined) delete options.duration;
    if (options.rate !== undefined) delete options.connections;
    const r = await run(options);
    return { ok: r.totals.ok, elapsedSec: r.totals.durationMs / 1000, attempts: r.totals.attempts };
  }
  if (tool === 'probe') throw new Error('unreachable');
  if (tool === 'autocannon') {
    const r = await autocannon({ url, connections, duration: seconds, ...(keepalive ? {} : { headers: { connection: 'close' } }) });
    return { ok: r['2xx'], elapsedSec: r.duration };
  }
  if (tool === 'undici') {
    const pool = new Pool(url, { connections, pipelining: 1 });
    let ok = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < end) {
          try {
            const res = await pool.request({ path: '/', method: 'GET', reset: !keepalive });
            await res.body.dump();
            if (res.statusCode === 200) ok++;
          } catch {
            // not ok
          }
        }
      }),
    );
    await pool.destroy();
    return { ok, elapsedSec: (performance.now() - start) / 1000 };
  }
  throw new Error(`unknown tool ${tool}`);
}

// The port-search probe alone: { tookMs } as it measured itself (the namespace child's start included).
if (tool === 'probe') {
  const started = performance.now();
  const { calibration, why } = await probePortSearch();
  if (!calibration) throw new Error(`the probe did not run: ${why}`);
  process.stdout.write(`${JSON.stringify({ tookMs: Math.round(performance.now() - started), insideMs: calibration.tookMs })}\n`);
  process.exit(0);
}

const cpu0 = process.cpuUsage();
const { ok, elapsedSec, attempts = ok } = await measure();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ okPerSec: ok / elapsedSec, ok, attemptsPerSec: attempts / elapsedSec, cpuSec: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
process.exit(0);
