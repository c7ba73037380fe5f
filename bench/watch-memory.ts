/**
 * How the watch exporter's memory grows with the sockets and the namespaces it reads:
 *   npm run bench:watch-memory
 * As root: for each shape (namespaces x sockets in each), that many private network namespaces
 * each hold a number of established loopback connections (a python3 process per namespace, so
 * every socket is really in the kernel's tables), a fresh `portchurn watch --all-netns
 * --metrics-listen` reads them, this script scrapes it until five reads have been served and takes
 * its RSS (VmRSS) and V8 heap as the exporter itself reports them. Then everything it started is
 * stopped by its pid, and the next shape starts clean. Prints a table and a least-squares fit of
 * RSS = base + per socket x sockets + per namespace x namespaces; results/watch-memory-*.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/env/free-port.js';
import { table } from '../src/report/format.js';
import { writeResultFile } from '../src/result/write-result.js';

if (process.getuid?.() !== 0) throw new Error('the watch memory bench needs root: it makes network namespaces of its own');
const BIN = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));

/** namespaces x connected pairs in each (two sockets a pair, a listener besides). */
const SHAPES: readonly [namespaces: number, pairs: number][] = [
  [0, 0],
  [1, 2_500],
  [1, 9_000],
  [4, 9_000],
  [8, 9_000],
  [50, 5],
  [200, 5],
];

const HOLDER = `
import os, resource, socket, sys
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
os.system('ip link set lo up')
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(4096); port = srv.getsockname()[1]
keep = []
for i in range(int(sys.argv[1])):
    c = socket.create_connection(('127.0.0.1', port)); s, _ = srv.accept(); keep += [c, s]
print('ready', flush=True)
sys.stdin.read()
`;

const started: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
});

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function once(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no '${text}' within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before '${text}'`)));
  });
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.stdin?.end();
          c.kill('SIGTERM');
        }),
    ),
  );
}

interface Row {
  readonly namespaces: number;
  readonly sockets: number;
  readonly rssMb: number;
  readonly readMs: number;
}

const rows: Row[] = [];
for (const [namespaces, pairs] of SHAPES) {
  const holders = Array.from({ length: namespaces }, () => {
    const c = spawn('unshare', ['-n', 'python3', '-c', HOLDER, String(pairs)], { stdio: ['pipe', 'pipe', 'inherit'] });
    started.push(c);
    return c;
  });
  await Promise.all(holders.map((h) => once(h, 'ready', 120_000)));
  const port = await freePort();
  const exporter = spawn(process.execPath, [BIN, 'watch', '--all-netns', '--metrics-listen', `127.0.0.1:${port}`, '--interval', '200ms'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(exporter);
  await once(exporter, 'serving', 60_000);
  let sockets = 0;
  let readMs = 0;
  for (let served = 0; served < 5;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    sockets = Number(/^portchurn_watch_read_sockets (\S+)$/m.exec(metrics)?.[1] ?? NaN);
    readMs = 1000 * Number(/^portchurn_watch_read_duration_seconds (\S+)$/m.exec(metrics)?.[1] ?? NaN);
    served = Number(/^portchurn_watch_reads_total (\S+)$/m.exec(metrics)?.[1] ?? 0);
  }
  rows.push({ namespaces: namespaces + 1, sockets, rssMb: rssMb(exporter.pid!), readMs });
  process.stderr.write(`${namespaces + 1} namespaces, ${sockets} sockets: RSS ${rows.at(-1)!.rssMb.toFixed(1)} MB\n`);
  await stopAll([exporter, ...holders]);
}

/** Least squares for rss = a + b sockets + c namespaces (normal equations, 3x3). */
function fit(data: readonly Row[]): { baseMb: number; perSocketKb: number; perNamespaceMb: number } {
  const X = data.map((r) => [1, r.sockets, r.namespaces]);
  const y = data.map((r) => r.rssMb);
  const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => X.reduce((s, x) => s + x[i]! * x[j]!, 0)));
  const b = [0, 1, 2].map((i) => X.reduce((s, x, k) => s + x[i]! * y[k]!, 0));
  // Gaussian elimination.
  for (let i = 0; i < 3; i++) {
    for (let k = i + 1; k < 3; k++) {
      const f = A[k]![i]! / A[i]![i]!;
      for (let j = i; j < 3; j++) A[k]![j]! -= f * A[i]![j]!;
      b[k]! -= f * b[i]!;
    }
  }
  const x = [0, 0, 0];
  for (let i = 2; i >= 0; i--) x[i] = (b[i]! - [0, 1, 2].filter((j) => j > i).reduce((s, j) => s + A[i]![j]! * x[j]!, 0)) / A[i]![i]!;
  return { baseMb: x[0]!, perSocketKb: x[1]! * 1024, perNamespaceMb: x[2]! };
}

const model = fit(rows);
process.stdout.write(
  `${table([
    ['namespaces', 'sockets', 'RSS MB', 'read ms'],
    ...rows.map((r) => [String(r.namespaces), r.sockets.toLocaleString('en-US'), r.rssMb.toFixed(1), r.readMs.toFixed(0)]),
  ])}\n  fit: RSS = ${model.baseMb.toFixed(1)} MB + ${model.perSocketKb.toFixed(2)} KB a socket + ${model.perNamespaceMb.toFixed(2)} MB a namespace\n`,
);
const at = new Date().toISOString();
const path = await writeResultFile('results', 'watch-memory', at, { kind: 'watch-memory', at, rows, fit: model });
process.stdout.write(`  result ${path}\n`);
