// Every command that makes a result ends through one verdict: with a real engine failure injected
// (PORTCHURN_FAULT=worker-crash:1 crashes the JavaScript engine's second worker thread in every
// stage), sweep, lab, proxy and merge each keep what was measured, name the failure on stderr,
// show it in the Markdown report and JUnit, and exit 1. (`run` is held the same way in cli-run.test.ts.)
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AnyResult } from '../../src/result/read-result.js';
import { runCli } from '../helpers/cli.js';
import { parseJunit } from '../helpers/junit.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { proxyInstalled } from '../helpers/proxies.js';
import { testAddresses } from '../helpers/sockets.js';

const CRASH = { PORTCHURN_FAULT: 'worker-crash:1', GITHUB_STEP_SUMMARY: '' };
/** The JavaScript engine in two worker threads: the fault switch crashes the second. */
const TWO_JS_WORKERS = ['--engine', 'js', '--workers', '2'];

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-verdict-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The one result JSON a command wrote under `dir` whose name starts with `prefix`. */
async function savedResult(dir: string, prefix: string): Promise<{ result: AnyResult; md: string | null }> {
  const files = await readdir(dir);
  const json = files.filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.json'));
  assert.equal(json.length, 1, `one ${prefix} result in ${files.join(', ')}`);
  const mdName = json[0]!.replace(/\.json$/, '.md');
  return {
    result: JSON.parse(await readFile(join(dir, json[0]!), 'utf8')) as AnyResult,
    md: files.includes(mdName) ? await readFile(join(dir, mdName), 'utf8') : null,
  };
}

/** What every command must do with the crash: exit 1, name it on stderr with where, fail the verdict in JUnit. */
async function assertFailedOnCrash(
  ran: { status: number | null; stderr: string },
  junitPath: string,
  where: RegExp,
  expectedErrors: number,
): Promise<void> {
  assert.equal(ran.status, 1, ran.stderr);
  assert.match(ran.stderr, new RegExp(`engine failure in ${where.source}: (.+: )?load worker 2 failed: injected crash`));
  assert.match(ran.stderr, /portchurn: FAILED: \d+ engine failures?/);
  const doc = parseJunit(await readFile(junitPath, 'utf8'));
  assert.equal(doc.testsuites['@_errors'], String(expectedErrors));
  assert.match(doc.testsuites.testsuite[0]!.properties.property[0]!['@_value'], /^FAILED: /);
}

test('sweep: a crashed worker in every stage fails the sweep, named per stage; the stages are kept', () =>
  withDir(async (dir) => {
    const junit = join(dir, 'junit.xml');
    const ran = await runCli(
      [
        'sweep',
        '--no-netns',
        '--sources',
        testAddresses(61, 4),
        '--axis',
        'close',
        '--values',
        'server,reset',
        '-n',
        '400',
        '-c',
        '4',
      ].concat(TWO_JS_WORKERS, ['--reports', 'md', '--out', dir, '--quiet', '--junit', junit]),
      { env: CRASH },
    );
    await assertFailedOnCrash(ran, junit, /stage 1 \(close server\)/, 2);
    assert.match(ran.stderr, /engine failure in stage 2 \(close reset\)/);
    const { result, md } = await savedResult(dir, 'sweep');
    assert.equal(result.kind, 'sweep');
    if (result.kind !== 'sweep') return;
    assert.equal(result.stages.length, 2, 'both stages ran and were kept');
    for (const s of result.stages) assert.ok(s.run.totals.ok > 0, 'worker 1 measured');
    assert.match(md!, /\*\*Verdict: FAILED: 2 engine failures, no thresholds; 2 of 2 stages ran\*\*/);
  }));

test('lab: a crashed worker fails the lab once, naming the profile and stage', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'lab needs root and unshare -n for its namespaces')) return;
  await withDir(async (dir) => {
    const junit = join(dir, 'junit.xml');
    const ran = await runCli(
      ['lab', '--profiles', 'narrow', '--values', '2', '--reference', 'none', '-n', '300', '-c', '4', '--close', 'server'].concat(
        TWO_JS_WORKERS,
        ['--reports', 'md', '--out', dir, '--quiet', '--junit', junit],
      ),
      { env: CRASH },
    );
    await assertFailedOnCrash(ran, junit, /profile narrow stage 1 \(sources 2\)/, 1);
    const { result, md } = await savedResult(dir, 'lab');
    assert.equal(result.kind, 'lab');
    assert.match(md!, /engine failure in profile narrow stage 1 \(sources 2\): load worker 2 failed: injected crash/);
  });
});

test("proxy: a crashed worker on the client side fails the scenario, naming the variant; nginx's figures are kept", async (t) => {
  if (!prerequisite(t, proxyInstalled('nginx'), 'needs nginx (apt-get install nginx-light)')) return;
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  await withDir(async (dir) => {
    const junit = join(dir, 'junit.xml');
    const ran = await runCli(
      ['proxy', '--kind', 'nginx', '--variants', 'keepalive', '-n', '400', '-c', '4', ...TWO_JS_WORKERS].concat([
        '--reports',
        'md',
        '--out',
        dir,
        '--quiet',
        '--junit',
        junit,
      ]),
      { env: CRASH, timeoutMs: 120_000 },
    );
    await assertFailedOnCrash(ran, junit, /variant nginx keepalive/, 1);
    const { result, md } = await savedResult(dir, 'proxy');
    assert.equal(result.kind, 'proxy');
    if (result.kind !== 'proxy') return;
    assert.ok(result.variants[0]!.client.totals.ok > 0, 'worker 1 measured through nginx');
    assert.match(md!, /\*\*Verdict: FAILED: 1 engine failure, no thresholds; 1 variant ran\*\*/);
  });
});

test("merge: a host's engine failure goes with the merge, which fails; two clean hosts pass", () =>
  withDir(async (dir) => {
    const plan = ['run', '--no-netns', '-n', '200', '-c', '4', '--close', 'server', ...TWO_JS_WORKERS, '--reports', '', '--quiet'];
    const a = await runCli([...plan, '--sources', testAddresses(62, 2), '--out', join(dir, 'a')], { env: CRASH });
    assert.equal(a.status, 1, 'host a lost a worker');
    const b = await runCli([...plan, '--sources', testAddresses(63, 2), '--out', join(dir, 'b')]);
    assert.equal(b.status, 0, b.stderr);
    const c = await runCli([...plan, '--sources', testAddresses(64, 2), '--out', join(dir, 'c')]);
    assert.equal(c.status, 0, c.stderr);
    const file = async (host: string): Promise<string> =>
      join(
        dir,
        host,
        (await readdir(join(dir, host))).find((f) => f.startsWith('run-'))!,
      );
    const junit = join(dir, 'junit.xml');
    const merged = await runCli(['merge', await file('a'), await file('b'), '--out', join(dir, 'm'), '--reports', '', '--junit', junit]);
    await assertFailedOnCrash(merged, junit, /merged run/, 1);
    const { result } = await savedResult(join(dir, 'm'), 'merged');
    assert.equal(result.kind, 'run');
    if (result.kind !== 'run') return;
    assert.equal(result.failures?.length, 1);
    assert.match(result.failures![0]!, /a\/run-.*\.json: load worker 2 failed/);
    const clean = await runCli(['merge', await file('b'), await file('c'), '--out', join(dir, 'n'), '--reports', '', '--quiet']);
    assert.equal(clean.status, 0, clean.stderr);
  }));
