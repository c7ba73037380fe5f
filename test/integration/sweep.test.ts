import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sweep } from '../../src/sweep/sweep.js';
import { runCli } from '../helpers/cli.js';
import { startCli } from '../helpers/events.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { testAddresses } from '../helpers/sockets.js';
import { hostSysctls, upstreamOf } from '../../src/env/profiles.js';
import { LIMIT_CAUSES } from '../../src/model/limited-by.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { SweepResult } from '../../src/result/sweep-result.js';

test("a host sweep (--no-netns) sources=1,4 in bind mode: disjoint address blocks, and the target saw exactly each stage's addresses", async () => {
  const result = await sweep({
    netns: false,
    values: '1,4',
    reference: 'none',
    requests: '200',
    connections: '4',
    close: 'client',
    portMode: 'bind',
  });
  assert.equal(result.stages.length, 2);
  assert.deepEqual(result.references, []);
  const [one, four] = result.stages;
  assert.equal(one!.run.plan.portMode, 'bind');
  assert.equal(one!.run.plan.sources.length, 1);
  assert.equal(four!.run.plan.sources.length, 4);
  assert.notEqual(one!.settle.block, four!.settle.block);
  const firstSet = new Set(one!.run.plan.sources);
  assert.ok(
    four!.run.plan.sources.every((a) => !firstSet.has(a)),
    'disjoint blocks',
  );
  for (const stage of result.stages) {
    assert.equal(stage.run.plan.netns, null);
    assert.equal(stage.run.plan.hostReason, '--no-netns was given');
    assert.equal(stage.run.kernel?.scope, 'host');
    assert.deepEqual(Object.keys(stage.run.target.stats!.byRemoteAddress).sort(), [...stage.run.plan.sources].sort());
    assert.equal(stage.run.totals.ok, 200);
    assert.equal(stage.run.carryOver.timeWait, 0, 'fresh addresses start clean');
    assert.ok(stage.run.sockets!.peakTimeWait.client > 0, 'client close leaves TIME_WAIT on the client');
  }
  assert.notEqual(one!.run.target.endpoints[0]!.port, four!.run.target.endpoints[0]!.port, 'a fresh target port per stage');
  assert.equal(result.settle.policy, 'fresh');
  assert.equal(four!.space.sources, 4);
  const md = renderMarkdown(result);
  assert.match(
    md.split('\n').slice(0, 6).join('\n'),
    /Shared host: Every stage ran in the host's network namespace \(--no-netns was given\)/,
  );
});

for (const engine of ENGINES) {
  test(`[${engine}] the default sources sweep: every stage in a namespace of its own with the host's settings as an upstream meets them, ${engine === 'native' ? 'nobind stages beside bind and kernel reference rows' : 'bind stages (the report says why) beside the kernel reference row'}`, async (t) => {
    if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
    if (!engineReady(t, engine)) return;
    const host = await hostSysctls();
    // --engine auto is the default; js stands for a machine where the addon did not build.
    const result = await sweep({
      values: '1,2',
      requests: '300',
      connections: '4',
      close: 'client',
      ...(engine === 'js' ? { engine: 'js' } : {}),
    });
    const mode = engine === 'native' ? 'nobind' : 'bind';
    assert.deepEqual(
      result.stages.map((s) => [s.run.plan.portMode, s.run.plan.sources.length, s.run.engine]),
      [
        [mode, 1, engine],
        [mode, 2, engine],
      ],
    );
    assert.equal(result.portModeChoice?.mode, mode);
    if (engine === 'js')
      assert.match(result.portModeChoice!.why, /--engine js was given.*only the native engine can leave the port to connect\(\)/);
    else assert.match(result.portModeChoice!.why, /proxy_bind/);
    const refs = result.references!;
    assert.deepEqual(
      refs.map((r) => [r.axisValue, r.run.plan.portMode, r.run.plan.sources.length]),
      engine === 'native'
        ? [
            ['2 bind', 'bind', 2],
            ['kernel', 'kernel', 0],
          ]
        : [['kernel', 'kernel', 0]],
    );
    for (const s of [...result.stages, ...refs]) {
      assert.equal(s.run.plan.netns?.profile, 'upstream');
      const { 'net.ipv4.tcp_max_tw_buckets': _sized, ...settings } = s.run.plan.netns!.sysctls;
      const { 'net.ipv4.tcp_max_tw_buckets': hostTable, ...hostSettings } = upstreamOf(host);
      assert.deepEqual(settings, hostSettings, "the host's settings copied in, as a remote upstream meets them");
      assert.equal(
        Number(s.run.plan.netns!.sysctls['net.ipv4.tcp_max_tw_buckets']),
        Math.max(Number(hostTable), s.space.sources * s.space.destinations * s.space.ports),
        "the TIME_WAIT table sized to the stage's 4-tuple space",
      );
      assert.equal(s.run.plan.hostReason, null);
      const k = s.run.kernel!;
      assert.equal(k.scope, 'namespace');
      // The namespace is the stage's alone: the kernel counted exactly what portchurn did.
      assert.equal(k.tcp.ActiveOpens, s.run.totals.attempts, 'every attempt reached connect()');
      assert.equal(k.tcp.PassiveOpens, s.run.target.stats!.connections, 'the target accepted each');
      assert.equal(k.tcpExt.TW, 300, 'the client closed first: each connection entered TIME_WAIT');
      assert.equal(k.tcpExt.TCPTimeWaitOverflow, 0);
      assert.ok(s.run.cpu!.generator.userMs + s.run.cpu!.generator.systemMs > 0);
      assert.ok(s.run.cpu!.target !== null);
      assert.ok(LIMIT_CAUSES.includes(s.run.limitedBy!.cause));
    }
    const md = renderMarkdown(result);
    assert.doesNotMatch(md, /Shared host/);
    assert.match(md, /^Namespaces: upstream view: tcp_tw_reuse /m);
    assert.match(md, new RegExp(`Port mode ${mode}: `));
    assert.match(md, /\| ref \| kernel \(reference\) \|/);
    if (engine === 'native') assert.match(md, /\| ref \| 2 bind \(reference\) \|/);
    assert.match(md, /## Why each stage ran at its rate/);
    assert.match(md, /## Kernel counters/);
  });
}

test('dst-addresses: the built-in target listens on k addresses and connections spread over them', async () => {
  const result = await sweep({ axis: 'dst-addresses', values: '1,3', requests: '90', connections: '3', close: 'server' });
  const three = result.stages[1]!;
  assert.equal(three.run.target.endpoints.length, 3);
  assert.equal(three.space.destinations, 3);
  const byLocal = Object.values(three.run.target.stats!.byLocalAddress).map((c) => c.connections);
  assert.deepEqual(byLocal, [30, 30, 30]);
});

test('settle wait waits for the TIME_WAIT the previous stage really left, bounded by --settle-timeout, and reports what is left', async () => {
  // The client closes first, so stage 1 leaves 20 TIME_WAIT sockets on its source for 60 s;
  // a 1 s bound ends the wait with all of them still there.
  const sources = testAddresses(61, 1);
  const result = await sweep({
    netns: false,
    axis: 'close',
    values: 'client,client',
    settle: 'wait',
    settleTimeout: '1s',
    sources,
    portMode: 'bind',
    requests: '20',
    connections: '2',
  });
  assert.equal(result.stages[0]!.run.sockets!.peakTimeWait.client, 20);
  const second = result.stages[1]!;
  assert.equal(second.settle.policy, 'wait');
  assert.equal(second.settle.timeWaitLeft, 20);
  assert.ok(second.settle.waitedMs! >= 1000, `waited ${second.settle.waitedMs} ms`);
  assert.ok(
    result.warnings.some((w) => /stage 2 started with 20 TIME_WAIT sockets of stage 1 left/.test(w)),
    result.warnings.join('; '),
  );
});

test('bad sweep input exits 2 before any stage runs', async () => {
  for (const [args, message] of [
    [['--axis', 'colour'], /Invalid values/],
    [['--values', '1,x'], /--values must be a positive whole number/],
    [['--port-mode', 'kernel'], /--axis sources binds each stage to its addresses: use --port-mode bind or explicit/],
    [['--reference', 'colour'], /--reference 'colour' must be among kernel, bind, none/],
    [['--axis', 'port-range', '--no-netns'], /only inside a namespace of its own/],
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

test('portchurn sweep writes JSON, Markdown, HTML, .hgrm and .hlog; report re-renders them; corrupt input exits 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-sweep-'));
  try {
    const out = await runCli(['sweep', '--values', '1,2', '-n', '100', '-c', '2', '--out', dir]);
    assert.equal(out.status, 0, out.stderr);
    const files = await readdir(dir);
    const json = files.find((f) => f.endsWith('.json') && f !== 'index.json')!;
    const stem = json.replace(/\.json$/, '');
    for (const ext of ['.md', '.html', '.stage1-totalUs.hgrm', '.stage2-connectUs.hgrm', '.stage1.hlog', '.stage2.hlog'])
      assert.ok(files.includes(stem + ext), `${stem}${ext} in ${files.join(', ')}`);
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

test('SIGINT once stage 1 is done: stage 1 intact, stage 2 partial, reports written, exit 130', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-sweep-int-'));
  try {
    // Open loop, 200/s, 400 requests: each stage lasts about 2 s, so stage 2 reports progress.
    const cli = startCli(['sweep', '--values', '1,2,4', '--rate', '200', '-n', '400', '--out', dir, '--json']);
    const done = await cli.progress((p) => p.type === 'stage' && p.stage === 1, 60_000);
    assert.equal(done.ok, 400);
    await cli.progress((p) => p.type === 'progress' && p.stage === 2 && Number(p.ok) > 0, 60_000);
    cli.child.kill('SIGINT');
    assert.equal(await cli.exited, 130, cli.stderr());
    const result = JSON.parse(cli.stdout()) as SweepResult;
    assert.equal(result.interrupted, true);
    assert.equal(result.stages.length, 2);
    assert.equal(result.stages[0]!.run.interrupted, false);
    assert.equal(result.stages[0]!.run.totals.attempts, 400);
    assert.equal(result.stages[1]!.run.interrupted, true);
    assert.ok(result.stages[1]!.run.totals.ok > 0);
    assert.deepEqual(result.references, [], 'the reference row comes after the stages and did not run');
    const files = await readdir(dir);
    assert.ok(files.some((f) => f.endsWith('.md')) && files.some((f) => f.endsWith('.html')), files.join(', '));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
