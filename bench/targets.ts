/**
 * The built-in targets against nginx, as the target of the same native generator, side by side in
 * one run:  npm run bench:targets -- [--seconds 5] [--reps 3] [--connections 64]
 * Three cases (the client closing first, the server closing first, keepalive), three targets
 * (nginx with one worker answering 2 bytes; the native target with one thread; the JavaScript
 * target), the targets alternated within each repetition, medians. Each target runs in a process
 * of its own, so its CPU per 1,000 requests is read from /proc/PID/stat. As root everything runs
 * in a private network namespace (the client closing first fills a port range and a TIME_WAIT
 * table, which must not be the host's); otherwise on the host, with a note.
 * Every load is bounded in time and aimed at 127.0.0.1 only. Results go to results/bench-targets-*.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { NginxProcess } from '../src/proxy/nginx/process.js';
import { removePrefix } from '../src/proxy/proxy-process.js';
import { startNginxPeer } from './nginx-peer.js';
import { formatRate, table } from '../src/report/format.js';
import { writeResultFile } from '../src/result/write-result.js';
import { runCommand } from './external.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    reps: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    /** Generator threads: 2 pushes a one-thread target harder than one generator thread can. */
    'generator-workers': { type: 'string', default: '2' },
    'in-namespace': { type: 'boolean', default: false },
  },
});

// As root, run again inside a private network namespace with loopback up, and stop here.
if (process.getuid?.() === 0 && !values['in-namespace']) {
  const self = fileURLToPath(import.meta.url);
  const args = [
    self,
    '--in-namespace',
    '--seconds',
    values.seconds,
    '--reps',
    values.reps,
    '--connections',
    values.connections,
    '--generator-workers',
    values['generator-workers'],
  ];
  const inner = spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec "$0" "$@"`, process.execPath, ...args], {
    stdio: 'inherit',
  });
  process.exit(inner.status ?? 1);
}

const seconds = Number(values.seconds);
const reps = Number(values.reps);
const connections = Number(values.connections);
const TOOL = fileURLToPath(new URL('./tool.js', import.meta.url));
const BIN = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));
const MS_PER_TICK = 1000 / 100; // USER_HZ

/** utime + stime of a process so far, in ms. */
function processCpuMs(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * MS_PER_TICK;
}

interface Target {
  readonly name: string;
  /** The process serving a case (the built-in targets run one per close policy), and its URL. */
  pid(mode: Mode): number;
  url(mode: Mode): string;
}
type Mode = 'client' | 'server' | 'keepalive';
const MODES: readonly { mode: Mode; label: string }[] = [
  { mode: 'client', label: 'non-keepalive, the client closes first' },
  { mode: 'server', label: 'non-keepalive, the server closes first' },
  { mode: 'keepalive', label: 'keepalive' },
];

/** `portchurn serve` in a process of its own; resolves with its port once it listens. */
function serve(engine: 'native' | 'js', close: 'server' | 'client'): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--listen', '127.0.0.1:0', '--close', close, '--target-engine', engine, '--threads', '1'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`portchurn serve (${engine}, ${close}) exited ${code}`)));
  });
}

const children: ChildProcess[] = [];
let nginx: NginxProcess | null = null;
let prefix: string | null = null;
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (nginx) process.kill(nginx.pid, 'SIGKILL');
});

const targets: Target[] = [];
const notes: string[] = [];
if (!values['in-namespace'])
  notes.push('not root: ran on the host, whose port range and TIME_WAIT table the client-closes-first case shares');
try {
  const peer = await startNginxPeer();
  ({ nginx, prefix } = peer);
  const { port } = peer;
  const pid = nginx.pid;
  targets.push({ name: 'nginx (1 worker)', pid: () => pid, url: () => `http://127.0.0.1:${port}/` });
} catch (error) {
  notes.push(`no nginx row: ${(error as Error).message.split('\n')[0]}`);
}
for (const engine of ['native', 'js'] as const) {
  const closing = await serve(engine, 'server');
  const keeping = await serve(engine, 'client');
  children.push(closing.child, keeping.child);
  // One process per close policy; the CPU of the one a case used is what that case cost.
  targets.push({
    name: engine === 'native' ? 'native target (1 thread)' : 'JavaScript target',
    pid: (mode) => (mode === 'server' ? closing.child.pid! : keeping.child.pid!),
    url: (mode) => `http://127.0.0.1:${mode === 'server' ? closing.port : keeping.port}/`,
  });
}

interface Sample {
  okPerSec: number;
  targetCpuMsPer1k: number;
}
const samples = new Map<string, Sample[]>();
const key = (mode: Mode, target: string): string => `${mode}|${target}`;
for (let rep = 0; rep < reps; rep++) {
  for (const { mode } of MODES) {
    const order = targets.map((_, i) => targets[(i + rep) % targets.length]!);
    for (const target of order) {
      const pid = target.pid(mode);
      const cpu0 = processCpuMs(pid);
      const toolMode = mode === 'keepalive' ? 'keepalive' : mode === 'server' ? 'close' : 'client';
      const out = await runCommand(process.execPath, [
        TOOL,
        'portchurn',
        target.url(mode),
        toolMode,
        String(seconds),
        String(connections),
        'engine=native',
        `workers=${values['generator-workers']}`,
        // The client closing first: 16 source addresses in the proxies' port path, so the
        // generator's own ports (TIME_WAIT on its side) do not set the rate for every target alike.
        ...(mode === 'client' ? ['sources=16', 'portMode=nobind'] : []),
      ]);
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as { okPerSec: number; ok: number };
      const cpuMs = processCpuMs(pid) - cpu0;
      const s = { okPerSec: r.okPerSec, targetCpuMsPer1k: r.ok > 0 ? (cpuMs / r.ok) * 1000 : NaN };
      samples.set(key(mode, target.name), [...(samples.get(key(mode, target.name)) ?? []), s]);
      process.stderr.write(
        `rep ${rep + 1}/${reps} ${mode} ${target.name}: ${formatRate(s.okPerSec)} req/s, ${s.targetCpuMsPer1k.toFixed(1)} ms CPU per 1k\n`,
      );
    }
  }
}

for (const c of children) c.kill('SIGTERM');
await nginx?.stop();
nginx = null;
if (prefix) await removePrefix(prefix);

const med = (mode: Mode, target: string, f: (s: Sample) => number): number | null => {
  const v = (samples.get(key(mode, target)) ?? []).map(f).filter((x) => Number.isFinite(x));
  return v.length ? median(v) : null;
};
const rows = MODES.flatMap(({ mode, label }) =>
  targets.map((t) => ({
    case: label,
    mode,
    target: t.name,
    okPerSec: med(mode, t.name, (s) => s.okPerSec),
    targetCpuMsPer1k: med(mode, t.name, (s) => s.targetCpuMsPer1k),
  })),
);
const nginxName = targets.find((t) => t.name.startsWith('nginx'))?.name ?? null;
const goals = nginxName
  ? MODES.flatMap(({ mode, label }) => {
      const native = rows.find((r) => r.mode === mode && r.target.startsWith('native'))!;
      const ref = rows.find((r) => r.mode === mode && r.target === nginxName)!;
      return [
        {
          goal: `${label}: native target req/s >= 1.0x nginx`,
          value: native.okPerSec && ref.okPerSec ? native.okPerSec / ref.okPerSec : null,
          target: 1,
        },
        {
          goal: `${label}: native target CPU per 1k <= nginx's (nginx / native >= 1.0)`,
          value: native.targetCpuMsPer1k && ref.targetCpuMsPer1k ? ref.targetCpuMsPer1k / native.targetCpuMsPer1k : null,
          target: 1,
        },
      ];
    })
  : [];
const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', kernel: release(), node: process.version };
const report = {
  kind: 'bench-targets',
  at: new Date().toISOString(),
  machine,
  seconds,
  reps,
  connections,
  rows,
  goals,
  notes,
  samples: Object.fromEntries(samples),
};
const path = await writeResultFile('results', 'bench-targets', report.at, report);
const fmt = (v: number | null, digits = 2): string => (v === null ? '–' : v.toFixed(digits));
process.stdout.write(
  [
    `portchurn bench:targets: ${machine.cpus} cores, ${machine.model}, Linux ${machine.kernel}, Node ${machine.node}${values['in-namespace'] ? ', in a private network namespace' : ''}`,
    `the native generator (${values['generator-workers']} thread${values['generator-workers'] === '1' ? '' : 's'}), ${connections} connections, ${seconds} s x ${reps} repetitions, targets alternated, medians`,
    '',
    table([
      ['case', 'target', 'req/s', 'x nginx', 'target CPU ms per 1k'],
      ...rows.map((r) => {
        const ref = rows.find((x) => x.mode === r.mode && x.target === nginxName);
        return [
          r.case,
          r.target,
          r.okPerSec === null ? '–' : formatRate(r.okPerSec),
          fmt(r.okPerSec && ref?.okPerSec ? r.okPerSec / ref.okPerSec : null),
          fmt(r.targetCpuMsPer1k, 1),
        ];
      }),
    ]),
    '',
    table([
      ['goal', 'measured', 'met'],
      ...goals.map((g) => [g.goal, fmt(g.value), g.value === null ? '–' : g.value >= g.target ? 'yes' : 'no']),
    ]),
    '',
    ...notes.map((n) => `note: ${n}`),
    `written to ${path}`,
    '',
  ].join('\n'),
);
