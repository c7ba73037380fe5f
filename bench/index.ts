/**
 * portchurn against its peers, side by side, in one run:
 *   npm run bench -- [--seconds 5] [--reps 3] [--connections 64] [--long] [--only REGEX] [--baseline DIR]
 * Against nginx when it is installed (else the built-in target), tools alternated each repetition,
 * medians printed with ratios; then portchurn's sweep rate in bind and explicit modes, the
 * sampler's cost (on vs off), the recorder's cost per success, and with --long the peak RSS
 * over a 2-million-connection run. Results go to results/bench-*.json.
 * --only REGEX keeps the peers whose name matches (and skips the spread, sampler, pacer and
 * histogram figures, and the targets' comparison, bench/targets.ts, which it runs last). --baseline DIR adds the native engine's rows run from another built checkout
 * of portchurn (`git worktree add DIR <commit> && (cd DIR && npm ci)`), alternated with this one's
 * in the same repetitions, so a change is compared with its parent side by side in one run.
 * Every load is bounded in time (or count) and aimed at 127.0.0.1 only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Recorder } from '../src/engine/recorder.js';
import { snapshotOf } from '../src/engine/load-snapshot.js';
import type { NginxProcess } from '../src/proxy/nginx/process.js';
import { removePrefix } from '../src/proxy/proxy-process.js';
import { startNginxPeer } from './nginx-peer.js';
import { formatRate, table } from '../src/report/format.js';
import { writeResultFile } from '../src/result/write-result.js';
import { startBuiltinTarget, type BuiltinTarget } from '../src/builtin-target/builtin-target.js';
import { childrenCpuSec, parseAb, parseWrk, runCommand } from './external.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    reps: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    long: { type: 'boolean', default: false },
    only: { type: 'string' },
    baseline: { type: 'string' },
  },
});
const only = values.only === undefined ? null : new RegExp(values.only);
const seconds = Number(values.seconds);
const reps = Number(values.reps);
const connections = Number(values.connections);
const TOOL = fileURLToPath(new URL('./tool.js', import.meta.url));

interface Sample {
  okPerSec: number;
  cpuSecPer1k: number | null;
  maxRssMb: number | null;
}

function has(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(`${d}/${cmd}`));
}

/** A node tool in its own process (this checkout's bench/tool.js, or another's). */
async function nodeTool(tool: string, url: string, mode: 'close' | 'keepalive', extra: string[] = [], toolPath = TOOL): Promise<Sample> {
  const out = await runCommand(process.execPath, [toolPath, tool, url, mode, String(seconds), String(connections), ...extra]);
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { okPerSec: number; ok: number; cpuSec: number; maxRssMb: number };
  return { okPerSec: r.okPerSec, cpuSecPer1k: (r.cpuSec / r.ok) * 1000, maxRssMb: r.maxRssMb };
}

/** wrk or ab, CPU from this process's children. */
async function external(cmd: string, args: string[], parse: (s: string) => number): Promise<Sample> {
  const cpu0 = childrenCpuSec();
  const rate = parse(await runCommand(cmd, args));
  return { okPerSec: rate, cpuSecPer1k: ((childrenCpuSec() - cpu0) / (rate * seconds)) * 1000, maxRssMb: null };
}

// The target: nginx answering 2 bytes when present (honours Connection: close and keepalive
// alike), else two built-in targets (one closing, one keeping connections open).
let nginx: NginxProcess | null = null;
let prefix: string | null = null;
const builtins: BuiltinTarget[] = [];
let urls: { close: string; keepalive: string; name: string };
try {
  const peer = await startNginxPeer();
  ({ nginx, prefix } = peer);
  const { port } = peer;
  urls = {
    close: `http://127.0.0.1:${port}/`,
    keepalive: `http://127.0.0.1:${port}/`,
    name: `nginx (1 worker) at 127.0.0.1:${port}, answering 2 bytes`,
  };
} catch {
  const close = await startBuiltinTarget({ listen: [{ host: '127.0.0.1', port: 0 }], close: 'server', delayMs: 0, bodyBytes: 2 });
  const keep = await startBuiltinTarget({ listen: [{ host: '127.0.0.1', port: 0 }], close: 'client', delayMs: 0, bodyBytes: 2 });
  builtins.push(close, keep);
  urls = {
    close: `http://127.0.0.1:${close.addresses[0]!.port}/`,
    keepalive: `http://127.0.0.1:${keep.addresses[0]!.port}/`,
    name: 'the built-in target (nginx not installed)',
  };
}

const notes: string[] = [];
const peers: Record<string, { mode: 'close' | 'keepalive'; run: () => Promise<Sample> }> = {
  'portchurn native non-keepalive': { mode: 'close', run: () => nodeTool('portchurn', urls.close, 'close', ['engine=native']) },
  'portchurn native -w2 non-keepalive': {
    mode: 'close',
    run: () => nodeTool('portchurn', urls.close, 'close', ['engine=native', 'workers=2']),
  },
  'portchurn js non-keepalive': { mode: 'close', run: () => nodeTool('portchurn', urls.close, 'close', ['engine=js']) },
  'autocannon non-keepalive': { mode: 'close', run: () => nodeTool('autocannon', urls.close, 'close') },
  'undici reset:true': { mode: 'close', run: () => nodeTool('undici', urls.close, 'close') },
  'portchurn native keepalive': { mode: 'keepalive', run: () => nodeTool('portchurn', urls.keepalive, 'keepalive', ['engine=native']) },
  'portchurn native -w2 keepalive': {
    mode: 'keepalive',
    run: () => nodeTool('portchurn', urls.keepalive, 'keepalive', ['engine=native', 'workers=2']),
  },
  'portchurn js keepalive': { mode: 'keepalive', run: () => nodeTool('portchurn', urls.keepalive, 'keepalive', ['engine=js']) },
  'autocannon keepalive': { mode: 'keepalive', run: () => nodeTool('autocannon', urls.keepalive, 'keepalive') },
};
if (has('wrk')) {
  peers['wrk -t1 non-keepalive'] = {
    mode: 'close',
    run: () => external('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-H', 'Connection: close', urls.close], parseWrk),
  };
  peers['wrk -t2 non-keepalive'] = {
    mode: 'close',
    run: () => external('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '-H', 'Connection: close', urls.close], parseWrk),
  };
  peers['wrk -t1 keepalive'] = {
    mode: 'keepalive',
    run: () => external('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, urls.keepalive], parseWrk),
  };
  peers['wrk -t2 keepalive'] = {
    mode: 'keepalive',
    run: () => external('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, urls.keepalive], parseWrk),
  };
} else notes.push('wrk is not installed (apt-get install wrk): no wrk rows');
if (has('ab')) {
  peers['ab non-keepalive'] = {
    mode: 'close',
    run: () => external('ab', ['-q', '-t', String(seconds), '-n', '100000000', '-c', String(connections), urls.close], parseAb),
  };
} else notes.push('ab is not installed (apt-get install apache2-utils): no ab row');

if (values.baseline !== undefined) {
  const baselineTool = `${values.baseline.replace(/\/$/, '')}/dist/bench/tool.js`;
  if (!existsSync(baselineTool)) throw new Error(`--baseline: no ${baselineTool} (build that checkout with npm ci first)`);
  peers['baseline: portchurn native non-keepalive'] = {
    mode: 'close',
    run: () => nodeTool('portchurn', urls.close, 'close', ['engine=native'], baselineTool),
  };
  peers['baseline: portchurn native keepalive'] = {
    mode: 'keepalive',
    run: () => nodeTool('portchurn', urls.keepalive, 'keepalive', ['engine=native'], baselineTool),
  };
}
for (const name of Object.keys(peers)) if (only && !only.test(name)) delete peers[name];
const names = Object.keys(peers);
const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
// Whatever happens, the nginx we started goes with this process (by its pid).
process.on('exit', () => {
  if (nginx) {
    try {
      process.kill(nginx.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
for (let rep = 0; rep < reps; rep++) {
  const order = names.map((_, i) => names[(i + rep) % names.length]!);
  for (const name of order) {
    const s = await peers[name]!.run();
    samples[name]!.push(s);
    process.stderr.write(`rep ${rep + 1}/${reps} ${name}: ${formatRate(s.okPerSec)} req/s\n`);
  }
}

const med = (name: string, f: (s: Sample) => number | null): number | null => {
  const v = (samples[name] ?? []).map(f).filter((x): x is number => x !== null);
  return v.length ? median(v) : null;
};
const rate = (name: string): number | null => med(name, (s) => s.okPerSec);
const ratio = (a: string, b: string): number | null => (rate(a) && rate(b) ? rate(a)! / rate(b)! : null);
const cpuOf = (name: string): number | null => med(name, (s) => s.cpuSecPer1k);
const cpuRatio = (a: string, b: string): number | null => (cpuOf(a) && cpuOf(b) ? cpuOf(a)! / cpuOf(b)! : null);

// portchurn's own figures: bind vs explicit spread, sampler on vs off.
async function portchurnOnce(extra: string[], mode: 'close' | 'keepalive' = 'close', url = 'builtin'): Promise<Sample> {
  return nodeTool('portchurn', url, mode, extra);
}
const canNetns = process.getuid?.() === 0;
const spread: { label: string; okPerSec: number }[] = [];
// --only: the peers alone.
if (!only)
  for (const [label, extra] of [
    ['bind, 1 source', ['sources=1', 'portMode=bind']],
    ['bind, 4 sources', ['sources=4', 'portMode=bind']],
    ['bind, 16 sources', ['sources=16', 'portMode=bind']],
    ['explicit, 1 source', ['sources=1', 'portMode=explicit']],
    ['explicit, 16 sources', ['sources=16', 'portMode=explicit']],
  ] as const) {
    // Client closes first, so ports are really consumed; in a namespace when root, so the host's
    // ports are not; otherwise on fresh 127.x addresses with the default explicit range.
    const ns = canNetns ? ['netns=true', 'profile=host'] : [`sourceBase=127.${100 + spread.length}.0.1`];
    const s = await portchurnOnce(['close=client', ...extra, ...ns]);
    spread.push({ label, okPerSec: s.okPerSec });
    process.stderr.write(`spread ${label}: ${formatRate(s.okPerSec)} req/s\n`);
  }
if (!canNetns && !only) notes.push('bind/explicit spread ran on the host (not root: no namespace)');

const samplerOn: number[] = [];
const samplerOff: number[] = [];
// Five pairs, the order alternating: the difference is small against this VM's noise.
if (!only)
  for (let rep = 0; rep < Math.max(5, reps); rep++) {
    const pair = rep % 2 === 0 ? ['0s', '1s'] : ['1s', '0s'];
    for (const interval of pair) {
      const rate = (await portchurnOnce([`sampleInterval=${interval}`], 'close', urls.close)).okPerSec;
      (interval === '0s' ? samplerOff : samplerOn).push(rate);
    }
  }

// The native engine's timing of its own bind() and connect() (two clock reads each): nobind over 4
// sources, on and off alternated in pairs. And the port-search probe's cost: three probes, each in a
// namespace of its own (the per-process cache is bypassed by running each in its own tool process).
const callTimesOn: number[] = [];
const callTimesOff: number[] = [];
const probeMs: number[] = [];
if (!only) {
  for (let rep = 0; rep < Math.max(5, reps); rep++) {
    const pair = rep % 2 === 0 ? ['false', 'true'] : ['true', 'false'];
    for (const on of pair) {
      // The built-in target, so (as root) each run is in a namespace of its own: the TIME_WAIT stays there.
      const s = await portchurnOnce(['engine=native', 'sources=4', 'portMode=nobind', 'sampleInterval=0s', `callTimes=${on}`]);
      (on === 'true' ? callTimesOn : callTimesOff).push(s.okPerSec);
    }
  }
  if (canNetns)
    for (let rep = 0; rep < 3; rep++) {
      const out = await runCommand(process.execPath, [TOOL, 'probe', 'builtin', 'close', '0', '0']);
      probeMs.push((JSON.parse(out.trim().split('\n').at(-1)!) as { tookMs: number }).tookMs);
    }
  else notes.push('the port-search probe was not timed (not root: no namespace)');
}

// Pacer: an open loop at 10,000/s for 10 s (or half the non-keepalive capacity when that is
// lower, to leave headroom): attempted rate against the schedule.
const pacerRate = Math.min(
  10_000,
  Math.floor((rate('portchurn native non-keepalive') ?? rate('portchurn js non-keepalive') ?? 10_000) / 2 / 1000) * 1000,
);
const pacerOut = only
  ? null
  : (JSON.parse(
      (
        await runCommand(process.execPath, [
          TOOL,
          'portchurn',
          urls.close,
          'close',
          '10',
          String(connections),
          `rate=${pacerRate}`,
          'sampleInterval=0s',
        ])
      )
        .trim()
        .split('\n')
        .at(-1)!,
    ) as { attemptsPerSec: number });
const pacer = pacerOut && {
  ratePerSec: pacerRate,
  attemptsPerSec: pacerOut.attemptsPerSec,
  error: pacerOut.attemptsPerSec / pacerRate - 1,
};
if (pacer) process.stderr.write(`pacer at ${pacerRate}/s: ${formatRate(pacer.attemptsPerSec)} attempted/s\n`);

// Recording cost: one success counted by the Recorder (its second's connect, ttfb and total
// histograms, the corrected one, the counts; each second sealed as the next begins, and the
// snapshot's encoding at the end), timed alone at 20,000 successes a second of load time.
const recorder = new Recorder(0, ['a']);
const n = 1_000_000;
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  const at = i / 20;
  recorder.attempt(0, at);
  recorder.success(0, {
    intendedMs: at,
    startMs: at,
    connectedMs: at + 0.05,
    firstByteMs: at + 0.2 + (i % 13) / 10,
    doneMs: at + 0.25 + (i % 13) / 10,
  });
}
snapshotOf(recorder, { startMs: 0, endMs: n / 20, interrupted: false, unsent: 0 });
const nsPerSuccess = ((performance.now() - t0) * 1e6) / n;
const nonKeepalive = rate('portchurn js non-keepalive') ?? 1;
const recordingShare = nsPerSuccess / (1e9 / nonKeepalive);

let long: { connections: number; okPerSec: number; maxRssMb: number } | null = null;
if (values.long) {
  const out = await runCommand(process.execPath, [TOOL, 'portchurn', 'builtin', 'close', '0', String(connections), 'requests=2000000']);
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { okPerSec: number; ok: number; maxRssMb: number };
  long = { connections: r.ok, okPerSec: r.okPerSec, maxRssMb: r.maxRssMb };
}

await nginx?.stop();
nginx = null;
if (prefix) await removePrefix(prefix);
for (const b of builtins) await b.close();

const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', kernel: release(), node: process.version };
const rows = names.map((name) => ({
  name,
  okPerSec: rate(name),
  cpuSecPer1k: med(name, (s) => s.cpuSecPer1k),
  maxRssMb: med(name, (s) => s.maxRssMb),
}));
const goals = [
  { goal: 'js non-keepalive >= 2.5x autocannon', value: ratio('portchurn js non-keepalive', 'autocannon non-keepalive'), target: 2.5 },
  { goal: 'native non-keepalive >= 1.0x wrk -t1', value: ratio('portchurn native non-keepalive', 'wrk -t1 non-keepalive'), target: 1.0 },
  {
    goal: 'native -w2 non-keepalive >= 1.0x wrk -t2',
    value: ratio('portchurn native -w2 non-keepalive', 'wrk -t2 non-keepalive'),
    target: 1.0,
  },
  {
    goal: 'native non-keepalive >= 1.0x ab (one thread each)',
    value: ratio('portchurn native non-keepalive', 'ab non-keepalive'),
    target: 1.0,
  },
  { goal: 'native -w2 keepalive >= 0.9x wrk -t2', value: ratio('portchurn native -w2 keepalive', 'wrk -t2 keepalive'), target: 0.9 },
  { goal: 'native keepalive >= 0.9x wrk -t1', value: ratio('portchurn native keepalive', 'wrk -t1 keepalive'), target: 0.9 },
  {
    goal: 'native CPU per 1k connections <= 1.2x wrk -t1 (wrk / native >= 0.83)',
    value: cpuRatio('wrk -t1 non-keepalive', 'portchurn native non-keepalive'),
    target: 1 / 1.2,
  },
  { goal: 'js keepalive >= 1.2x autocannon', value: ratio('portchurn js keepalive', 'autocannon keepalive'), target: 1.2 },
  ...(pacer
    ? [
        { goal: 'sampler costs < 5 % (on / off >= 0.95)', value: median(samplerOn) / median(samplerOff), target: 0.95 },
        {
          goal: 'timing bind() and connect() costs < 2 % (on / off >= 0.98)',
          value: median(callTimesOn) / median(callTimesOff),
          target: 0.98,
        },
        { goal: 'recording a success < 5 % of a connection', value: 1 - recordingShare, target: 0.95 },
        { goal: `open loop at ${pacerRate}/s attempted within 1 % (attempted / target)`, value: 1 - Math.abs(pacer.error), target: 0.99 },
      ]
    : []),
  ...(values.baseline !== undefined
    ? [
        {
          goal: 'native non-keepalive within noise of the baseline (this / baseline)',
          value: ratio('portchurn native non-keepalive', 'baseline: portchurn native non-keepalive'),
          target: 0.95,
        },
        {
          goal: 'native keepalive within noise of the baseline (this / baseline)',
          value: ratio('portchurn native keepalive', 'baseline: portchurn native keepalive'),
          target: 0.95,
        },
      ]
    : []),
  ...(long ? [{ goal: 'peak RSS < 200 MB over 2 million connections (MB)', value: long.maxRssMb, target: 200 }] : []),
];
const report = {
  kind: 'bench',
  at: new Date().toISOString(),
  machine,
  target: urls.name,
  seconds,
  reps,
  connections,
  rows,
  goals,
  spread,
  pacer,
  sampler: { on: samplerOn, off: samplerOff },
  callTimes: { on: callTimesOn, off: callTimesOff },
  probeMs,
  nsPerSuccess,
  long,
  notes,
  samples,
};
await mkdir('results', { recursive: true });
const path = await writeResultFile('results', 'bench', report.at, report);
const fmt = (v: number | null, digits = 2): string => (v === null ? '–' : v.toFixed(digits));
process.stdout.write(
  [
    `portchurn bench: ${machine.cpus} cores, ${machine.model}, Linux ${machine.kernel}, Node ${machine.node}`,
    `target: ${urls.name}; ${connections} connections, ${seconds} s x ${reps} repetitions, tools alternated, medians`,
    '',
    table([
      ['tool', 'req/s', 'x autocannon', 'CPU s per 1k requests', 'peak RSS MB'],
      ...rows.map((r) => {
        const peer =
          r.name.includes('keepalive') && !r.name.includes('non-keepalive') ? 'autocannon keepalive' : 'autocannon non-keepalive';
        return [
          r.name,
          r.okPerSec === null ? '–' : formatRate(r.okPerSec),
          fmt(r.okPerSec && rate(peer) ? r.okPerSec / rate(peer)! : null),
          fmt(r.cpuSecPer1k, 3),
          fmt(r.maxRssMb, 0),
        ];
      }),
    ]),
    '',
    table([
      ['portchurn, client closes first' + (canNetns ? ' (in a namespace)' : ''), 'req/s'],
      ...spread.map((s) => [s.label, formatRate(s.okPerSec)]),
    ]),
    '',
    table([
      ['goal', 'measured', 'met'],
      ...goals.map((g) => [
        g.goal,
        fmt(g.value),
        g.value === null ? '–' : g.goal.includes('RSS') ? (g.value < g.target ? 'yes' : 'no') : g.value >= g.target ? 'yes' : 'no',
      ]),
    ]),
    '',
    ...(pacer
      ? [
          `pacer: ${formatRate(pacer.attemptsPerSec)} attempted/s against ${formatRate(pacer.ratePerSec)}/s (${(pacer.error * 100).toFixed(2)} %)`,
          `recording: ${nsPerSuccess.toFixed(0)} ns per success (per-second histograms included); sampler on/off: ${samplerOn.map((v) => v.toFixed(0)).join(', ')} / ${samplerOff.map((v) => v.toFixed(0)).join(', ')} req/s`,
          `call times on/off (native, nobind, 4 sources): ${callTimesOn.map((v) => v.toFixed(0)).join(', ')} / ${callTimesOff.map((v) => v.toFixed(0)).join(', ')} req/s`,
          ...(probeMs.length
            ? [`port-search probe: ${probeMs.join(', ')} ms (median ${median(probeMs)} ms), each in a namespace of its own`]
            : []),
        ]
      : []),
    ...notes.map((n) => `note: ${n}`),
    `written to ${path}`,
    '',
  ].join('\n'),
);

// The built-in targets against nginx, as the same generator's target (bench/targets.ts; as root in
// a private namespace of its own).
if (!only) {
  const targets = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./targets.js', import.meta.url)), '--seconds', String(seconds), '--reps', String(reps)],
    {
      stdio: 'inherit',
    },
  );
  if (targets.status !== 0) process.exitCode = 1;
  // The conntrack reader's cost per mapping (bench/conntrack-reader.ts), as root: it makes a NAT scene.
  if (canNetns) {
    const reader = spawnSync(process.execPath, [fileURLToPath(new URL('./conntrack-reader.js', import.meta.url))], { stdio: 'inherit' });
    if (reader.status !== 0) process.exitCode = 1;
  }
}
