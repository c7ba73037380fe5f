import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sweep } from '../../src/sweep/sweep.js';
import { runCli } from '../helpers/cli.js';

test('a host sweep sources=1,4 in bind mode: disjoint address blocks, and the target saw exactly each stage\'s addresses', async () => {
  const result = await sweep({ values: '1,4', baselineMode: 'bind', requests: '200', connections: '4', close: 'client' });
  assert.equal(result.stages.length, 2);
  const [one, four] = result.stages;
  assert.equal(one!.run.plan.portMode, 'bind');
  assert.equal(one!.run.plan.sources.length, 1);
  assert.equal(four!.run.plan.sources.length, 4);
  assert.notEqual(one!.settle.block, four!.settle.block);
  const firstSet = new Set(one!.run.plan.sources);
  assert.ok(four!.run.plan.sources.every((a) => !firstSet.has(a)), 'disjoint blocks');
  for (const stage of result.stages) {
    assert.deepEqual(Object.keys(stage.run.target.stats!.byRemoteAddress).sort(), [...stage.run.plan.sources].sort());
    assert.equal(stage.run.totals.ok, 200);
    assert.equal(stage.run.carryOver.timeWait, 0, 'fresh addresses start clean');
    assert.ok(stage.run.sockets!.peakTimeWait.client > 0, 'client close leaves TIME_WAIT on the client');
  }
  assert.notEqual(one!.run.target.endpoints[0]!.port, four!.run.target.endpoints[0]!.port, 'a fresh target port per stage');
  assert.equal(result.settle.policy, 'fresh');
  assert.equal(four!.space.sources, 4);
});

test('the default sources sweep starts with a kernel-mode baseline', async () => {
  const result = await sweep({ values: '1,2', requests: '50', connections: '2' });
  assert.equal(result.stages[0]!.run.plan.portMode, 'kernel');
  assert.deepEqual(result.stages[0]!.run.plan.sources, []);
  assert.equal(result.stages[1]!.run.plan.portMode, 'bind');
});

test('dst-addresses: the built-in target listens on k addresses and connections spread over them', async () => {
  const result = await sweep({ axis: 'dst-addresses', values: '1,3', requests: '90', connections: '3', close: 'server' });
  const three = result.stages[1]!;
  assert.equal(three.run.target.endpoints.length, 3);
  assert.equal(three.space.destinations, 3);
  const byLocal = Object.values(three.run.target.stats!.byLocalAddress).map((c) => c.connections);
  assert.deepEqual(byLocal, [30, 30, 30]);
});

test('settle wait waits for the previous stage\'s TIME_WAIT and reports it', async () => {
  const result = await sweep({ axis: 'close', values: 'reset,reset', settle: 'wait', requests: '20', connections: '2' });
  assert.equal(result.stages[1]!.settle.policy, 'wait');
  assert.equal(result.stages[1]!.settle.timeWaitLeft, 0);
  assert.notEqual(result.stages[1]!.settle.waitedMs, null);
});

test('bad sweep input exits 2 before any stage runs', async () => {
  for (const [args, message] of [
    [['--axis', 'colour'], /Invalid values/],
    [['--values', '1,x'], /--values must be a positive whole number/],
    [['--values', '2,4'], /kernel mode \(the baseline\) uses one source address/],
    [['--axis', 'close', '--values', 'client,sometimes'], /not a close policy/],
    [['--axis', 'dst-ports', '--target', 'http://127.0.0.1:9/'], /does not apply with --target/],
    [['--reports', 'pdf'], /--reports 'pdf'/],
  ] as [string[], RegExp][]) {
    const dir = await mkdtemp(join(tmpdir(), 'portchurn-sweep-'));
    const out = await runCli(['sweep', '-n', '10', '--out', dir, ...args]);
    assert.equal(out.status, 2, `${args.join(' ')}: ${out.stderr}`);
    assert.match(out.stderr, message);
    assert.deepEqual(await readdir(dir), []);
    await rm(dir, { recursive: true, force: true });
  }
});

test('portchurn sweep writes JSON, Markdown, HTML and .hgrm; report re-renders them; corrupt input exits 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-sweep-'));
  try {
    const out = await runCli(['sweep', '--values', '1,2', '-n', '100', '-c', '2', '--out', dir]);
    assert.equal(out.status, 0, out.stderr);
    const files = await readdir(dir);
    const json = files.find((f) => f.endsWith('.json') && f !== 'index.json')!;
    const stem = json.replace(/\.json$/, '');
    for (const ext of ['.md', '.html', '.stage1-totalUs.hgrm', '.stage2-connectUs.hgrm']) assert.ok(files.includes(stem + ext), `${stem}${ext} in ${files.join(', ')}`);
    assert.match(out.stdout, new RegExp(`report\\s+\\S+${stem}\\.md`));
    await rm(join(dir, `${stem}.md`));
    const again = await runCli(['report', join(dir, json), '--format', 'md']);
    assert.equal(again.status, 0, again.stderr);
    assert.ok((await readdir(dir)).includes(`${stem}.md`));
    await writeFile(join(dir, 'cut.json'), '{"schema":"portchurn/result@1","kind":"sweep","stag');
    const cut = await runCli(['report', join(dir, 'cut.json')]);
    assert.equal(cut.status, 2);
    assert.match(cut.stderr, /not valid JSON \(truncated or corrupt\?\)/);
    await writeFile(join(dir, 'new.json'), JSON.stringify({ schema: 'portchurn/result@9', kind: 'sweep', stages: [] }));
    const newer = await runCli(['compare', join(dir, json), join(dir, 'new.json')]);
    assert.equal(newer.status, 2);
    assert.match(newer.stderr, /newer schema/);
    const compared = await runCli(['compare', join(dir, json), join(dir, json)]);
    assert.equal(compared.status, 0, compared.stderr);
    assert.match(compared.stdout, /1\.00x/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SIGINT during a sweep: completed stages intact, the last partial, reports written, exit 130', async () => {
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('../helpers/cli.js');
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-sweep-int-'));
  try {
    const child = spawn(process.execPath, [BIN, 'sweep', '--values', '1,2,4', '-d', '2s', '-c', '4', '--out', dir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise((r) => setTimeout(r, 3200));
    child.kill('SIGINT');
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 130);
    const result = JSON.parse(stdout) as { interrupted: boolean; stages: { run: { interrupted: boolean; totals: { attempts: number } } }[] };
    assert.equal(result.interrupted, true);
    assert.ok(result.stages.length >= 1 && result.stages.length <= 2, `${result.stages.length} stages`);
    assert.ok(result.stages.slice(0, -1).every((s) => !s.run.interrupted), 'every stage before the last completed');
    assert.ok(result.stages.every((s) => s.run.totals.attempts > 0));
    const files = await readdir(dir);
    assert.ok(files.some((f) => f.endsWith('.md')) && files.some((f) => f.endsWith('.html')), files.join(', '));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
