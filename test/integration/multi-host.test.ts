import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeHistogram, encodeHistogram } from '../../src/result/histogram.js';
import type { RunLatency, RunResult } from '../../src/result/result.js';
import type { TargetStats } from '../../src/result/target-stats.js';
import { BIN, runCli } from '../helpers/cli.js';
import { followOutput } from '../helpers/events.js';
import { ip, makeNamespaces } from '../helpers/named-netns.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';

const DOC = fileURLToPath(new URL('../../../docs/multi-host.md', import.meta.url));
const TARGET_ADDRESS = '198.18.0.1';
const REQUESTS = 2000;
/** Generator i's own addresses: 198.18.0.11 and .12, .21 and .22, .31 and .32. */
const addressesOf = (i: number): string[] => [1, 2].map((k) => `198.18.0.${10 * (i + 1) + k}`);

/** The shell command of the Job on docs/multi-host.md (the folded `args` scalar), as the pod runs it. */
async function jobCommand(): Promise<string> {
  const doc = await readFile(DOC, 'utf8');
  const block = /\n(\s+)args:\n\s+- >-\n((?:\1 {4}.*\n)+)/.exec(doc);
  assert.ok(block, 'docs/multi-host.md has a Job with a folded args command');
  return block[2]!
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

/** Runs `command` with sh in namespace `ns` and the Job's environment; resolves with its exit status and stderr. */
function runInNamespace(
  ns: string,
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, 'sh', '-c', command], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

test('three generator hosts run the Job command of docs/multi-host.md; portchurn merge gives the counts the target counted', async (t) => {
  const hasIp = spawnSync('ip', ['-V']).status === 0;
  if (!prerequisite(t, CAN_UNSHARE && hasIp, 'needs root, unshare and iproute2 to make network namespaces')) return;
  const command = await jobCommand();
  const namespaces = makeNamespaces('pcmh', 4);
  const [targetNs, ...generatorNs] = namespaces.names as [string, ...string[]];
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-multihost-'));
  let serve: ReturnType<typeof spawn> | null = null;
  try {
    // One machine, four hosts: the target's bridge at 198.18.0.1, each generator on a veth pair to it.
    ip('-n', targetNs, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', targetNs, 'addr', 'add', `${TARGET_ADDRESS}/24`, 'dev', 'br0');
    ip('-n', targetNs, 'link', 'set', 'br0', 'up');
    generatorNs.forEach((ns, i) => {
      ip('-n', targetNs, 'link', 'add', `gen${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', targetNs, 'link', 'set', `gen${i}`, 'master', 'br0', 'up');
      for (const a of addressesOf(i)) ip('-n', ns, 'addr', 'add', `${a}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    });

    // The target host runs the built-in target on its bridge address.
    const port = 8080;
    const server = spawn(
      'ip',
      [
        'netns',
        'exec',
        targetNs,
        process.execPath,
        BIN,
        'serve',
        '--listen',
        `${TARGET_ADDRESS}:${port}`,
        '--allow-remote',
        '--close',
        'server',
        '--json',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    serve = server;
    const served = followOutput(server);
    await served.printed('listening on', 30_000);
    assert.match(served.stdout(), /listening on http:\/\/198\.18\.0\.1:8080\//, served.stderr());

    // `portchurn` on the PATH, as the image has it.
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'portchurn'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    await chmod(join(bin, 'portchurn'), 0o755);
    const jobEnv = (i: number, sources: string): Record<string, string> => ({
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      TARGET: `http://${TARGET_ADDRESS}:${port}/`,
      REQUESTS: String(REQUESTS),
      SOURCES: sources,
      JOB_COMPLETION_INDEX: String(i),
    });

    // A loopback source cannot leave its host: refused before any traffic.
    const loopback = await runInNamespace(generatorNs[0]!, command, dir, jobEnv(0, '127.0.0.1'));
    assert.equal(loopback.status, 2, loopback.stderr);
    assert.match(loopback.stderr, /127\.0\.0\.1 is a loopback address and cannot reach 198\.18\.0\.1/);

    // The Job: three pods at once, each with its index and its own two addresses.
    const runs = await Promise.all(generatorNs.map((ns, i) => runInNamespace(ns, command, dir, jobEnv(i, addressesOf(i).join(',')))));
    runs.forEach((r, i) => assert.equal(r.status, 0, `generator ${i}: ${r.stderr}`));
    const files: string[] = [];
    for (let i = 0; i < generatorNs.length; i++) {
      const own = (await readdir(join(dir, 'results', String(i)))).filter((f) => /^run-.*\.json$/.test(f));
      assert.equal(own.length, 1, `generator ${i} wrote one result`);
      files.push(join(dir, 'results', String(i), own[0]!));
    }
    const results = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as RunResult));

    server.kill('SIGINT');
    assert.equal(await served.exited, 0, served.stderr());
    serve = null;
    const targetStats = JSON.parse(served.stdout().trim().split('\n').at(-1)!) as TargetStats;

    const merged = await runCli(['merge', ...files, '--out', dir, '--json']);
    assert.equal(merged.status, 0, merged.stderr);
    const result = JSON.parse(merged.stdout) as RunResult;

    // The merged counts are what the target itself counted.
    assert.equal(result.totals.attempts, 3 * REQUESTS);
    assert.equal(result.totals.attempts, targetStats.connections);
    assert.equal(result.totals.ok, targetStats.requests);
    assert.deepEqual(
      result.hosts!.map((h) => h.attempts),
      [REQUESTS, REQUESTS, REQUESTS],
    );
    // The target saw each generator's own addresses, as many connections as that generator attempted.
    assert.deepEqual(Object.keys(targetStats.byRemoteAddress).sort(), [0, 1, 2].flatMap(addressesOf).sort());
    results.forEach((r, i) => {
      const seen = addressesOf(i).reduce((n, a) => n + targetStats.byRemoteAddress[a]!.connections, 0);
      assert.equal(seen, r.totals.attempts, `generator ${i}`);
      assert.deepEqual(r.plan.sources, addressesOf(i));
    });

    // Every merged histogram is the three added.
    for (const key of ['connectUs', 'ttfbUs', 'totalUs'] as const satisfies readonly (keyof RunLatency)[]) {
      const sum = decodeHistogram(results[0]!.latency[key].hdr);
      for (const r of results.slice(1)) sum.add(decodeHistogram(r.latency[key].hdr));
      assert.equal(sum.totalCount, 3 * REQUESTS, key);
      assert.deepEqual(result.latency[key], encodeHistogram(sum), key);
    }
  } finally {
    serve?.kill('SIGKILL');
    namespaces.remove();
    await rm(dir, { recursive: true, force: true });
  }
});
