import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { Writable } from 'node:stream';
import { release } from 'node:os';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { WatchGroup, WatchSample } from '../../src/result/watch-sample.js';
import { kernelDumpsBoundOnly } from '../../src/sampler/socket-dump.js';
import { runCli } from '../helpers/cli.js';
import { engineReady } from '../helpers/engines.js';
import { followOutput } from '../helpers/events.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { SCENE } from '../helpers/watch-scene-spec.js';

const SCENE_JS = fileURLToPath(new URL('../helpers/watch-scene.js', import.meta.url));
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;
const [A, B] = SCENE.destinations;
/** The scene refuses to run in this namespace (it writes sysctls); it is told which one this is. */
const SCENE_ENV = { ...process.env, WATCH_SCENE_OUTER_NETNS: readlinkSync('/proc/self/ns/net') };

/** 1,000 ports, 100 reserved, the in-range listener's port, and the bound-only socket's where the reader sees it. */
function usableFor(via: 'sock_diag' | 'proc'): number {
  return 1000 - 100 - 1 - (via === 'sock_diag' && kernelDumpsBoundOnly(release()) ? 1 : 0);
}

function groupTo(sample: WatchSample, host: string): WatchGroup {
  const g = sample.groups.find((x) => x.destination === host && x.destinationPort === 8080);
  assert.ok(g, `a group towards ${host}:8080 in ${JSON.stringify(sample.groups)}`);
  return g;
}

/** Runs the scene in a fresh namespace in `library` mode; returns its samples. */
function librarySamples(via: 'sock_diag' | 'proc'): WatchSample[] {
  const out = spawnSync('unshare', ['-n', process.execPath, SCENE_JS, 'library', via], {
    encoding: 'utf8',
    timeout: 60_000,
    env: SCENE_ENV,
  });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout) as WatchSample[];
}

for (const via of ['sock_diag', 'proc'] as const) {
  test(`watch (${via}): TIME_WAIT at known counts towards two destinations, reserved and bound ports, and a driven rate give exact figures`, async (t) => {
    if (!prerequisite(t, CAN_UNSHARE && HAS_PYTHON, 'needs root, unshare -n and python3 (for a bound-only socket)')) return;
    if (via === 'sock_diag' && !engineReady(t, 'native')) return;
    const samples = librarySamples(via);
    assert.equal(samples.length, 1, '--once: one sample');
    const s = samples[0]!;
    assert.equal(s.via, via);
    assert.equal(s.intervalMs, SCENE.intervalMs);
    const usable = usableFor(via);
    assert.deepEqual(
      { ...s.ports },
      {
        low: 40000,
        high: 40999,
        rangePorts: 1000,
        reservedInRange: 100,
        boundInRange: 1000 - 100 - usable,
        boundSeen: via === 'sock_diag' && kernelDumpsBoundOnly(release()) ? 'listeners and bound-only sockets' : 'listeners',
        usablePorts: usable,
      },
    );
    assert.equal(s.timeWait.twReuse, 0);
    assert.equal(s.totals.groups, 2, 'only the two client groups: listeners, accepted sides and the bound socket are not groups');

    // The driven destination: its TIME_WAIT plus the 50 of the interval, at 50/s, runs out first.
    const a = groupTo(s, A.host);
    const held = A.timeWait + SCENE.driven;
    assert.equal(a.source, '127.0.0.1');
    assert.equal(a.timeWait, held);
    assert.equal(a.held, held);
    assert.equal(a.established + a.other, 0);
    assert.equal(a.usablePorts, usable);
    assert.equal(a.heldShare, held / usable);
    assert.equal(a.newPerSec, SCENE.driven);
    assert.equal(a.twReuse, false);
    assert.equal(a.holdSec, 60);
    // Every TIME_WAIT here is seconds old, so none is freed before the range runs out.
    assert.equal(a.exhaustionInSec, (usable - held) / SCENE.driven);
    assert.equal(a.steadyHeld, SCENE.driven * 60);

    const b = groupTo(s, B.host);
    assert.equal(b.timeWait, B.timeWait);
    assert.equal(b.held, B.timeWait);
    assert.equal(b.newPerSec, 0);
    assert.equal(b.exhaustionInSec, null, 'no new connections: never at this rate');
    assert.deepEqual(
      s.groups.map((g) => g.destination),
      [A.host, B.host],
      'closest to exhaustion first',
    );
  });
}

test('portchurn watch --once on a namespace with connections in flight names the destination closest to exhaustion, and when', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_PYTHON, 'needs root, unshare -n and python3 (for a bound-only socket)')) return;
  if (!engineReady(t, 'native')) return;
  const scene = spawn('unshare', ['-n', process.execPath, SCENE_JS, 'hold'], { stdio: ['pipe', 'pipe', 'pipe'], env: SCENE_ENV });
  const output = followOutput(scene);
  try {
    await output.printed('"ready":true', 60_000);
    assert.match(output.stdout(), /"ready":true/, output.stderr());
    // The CLI joins the scene's namespace by the scene's pid (the unshare process execs node).
    const inScene = { wrapper: ['nsenter', `--net=/proc/${scene.pid}/ns/net`] };

    const json = await runCli(['watch', '--once', '--json', '--interval', '500ms'], inScene);
    assert.equal(json.status, 0, json.stderr);
    const s = JSON.parse(json.stdout) as WatchSample;
    const [first, second] = s.groups;
    assert.equal(first!.destination, A.host, 'the driven destination first');
    assert.ok(first!.newPerSec! > 0, 'it has a rate');
    assert.ok(first!.exhaustionInSec! > 0 && Number.isFinite(first!.exhaustionInSec), 'and a time to exhaustion');
    // No TIME_WAIT is freed before then, so the projection is the straight line of its own figures.
    assert.ok(Math.abs(first!.exhaustionInSec! - (first!.usablePorts - first!.held) / first!.newPerSec!) < 1e-6);
    assert.equal(first!.usablePorts, usableFor('sock_diag'));
    assert.equal(second!.destination, B.host);
    assert.equal(second!.timeWait, B.timeWait);
    assert.equal(second!.exhaustionInSec, null);

    const text = await runCli(['watch', '--once', '--interval', '300ms'], inScene);
    assert.equal(text.status, 0, text.stderr);
    const rows = text.stdout.split('\n').filter((l) => l.includes(':8080'));
    assert.match(rows[0]!, /127\.0\.0\.1\s+127\.0\.0\.2:8080 .* in \d/);
    assert.match(rows[1]!, /127\.0\.0\.3:8080 .* not at this rate/);

    const filtered = await runCli(['watch', '--once', '--json', '--interval', '200ms', '--dst', '127.0.0.3:8080'], inScene);
    assert.deepEqual(
      (JSON.parse(filtered.stdout) as WatchSample).groups.map((g) => g.destination),
      [B.host],
    );
    const top = JSON.parse(
      (await runCli(['watch', '--once', '--json', '--interval', '200ms', '--src', '127.0.0.0/8', '--top', '1'], inScene)).stdout,
    ) as WatchSample;
    assert.deepEqual([top.groups.length, top.moreGroups, top.groups[0]!.destination], [1, 1, A.host]);
    const none = JSON.parse(
      (await runCli(['watch', '--once', '--json', '--interval', '200ms', '--src', '10.0.0.0/8'], inScene)).stdout,
    ) as WatchSample;
    assert.equal(none.groups.length, 0);

    // A live watch stops after --samples; its first sample has no rates yet.
    const live = await runCli(['watch', '--json', '--samples', '2', '--interval', '200ms'], inScene);
    assert.equal(live.status, 0, live.stderr);
    const lines = live.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as WatchSample);
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.intervalMs, null);
    assert.equal(lines[0]!.groups[0]!.newPerSec, null);
    assert.ok(lines[1]!.intervalMs! > 0);
  } finally {
    scene.stdin.end();
    assert.equal(await output.exited, 0, output.stderr());
  }
});

test('portchurn watch: bad input is one line and exit 2', async () => {
  for (const [args, message] of [
    [['--top', '0'], /--top/],
    [['--dst', 'nowhere'], /--dst 'nowhere' must be an address/],
    [['--src', '127.0.0.0/40'], /--src '127\.0\.0\.0\/40'/],
    [['--once', '--samples', '2'], /exclude each other/],
    [['--interval', '0s'], /--interval/],
  ] as const) {
    const out = await runCli(['watch', ...args]);
    assert.equal(out.status, 2, `${args.join(' ')}: ${out.stderr}`);
    assert.match(out.stderr, message);
    assert.equal(out.stderr.trim().split('\n').length, 1);
    assert.equal(out.stdout, '');
  }
});

test('portchurn watch on a terminal: each sample replaces the last (the screen cleared before each)', async () => {
  const { watchCommand } = await import('../../src/cli/commands/watch.js');
  let stdout = '';
  const io = {
    stdout: Object.assign(new Writable({ write: (chunk: Buffer, _e, done) => ((stdout += chunk.toString()), done()) }), { isTTY: true }),
    stderr: new Writable({ write: (_c, _e, done) => done() }),
  };
  const status = await watchCommand({ samples: '2', interval: '20ms', _: [], $0: 'portchurn' } as never, io);
  assert.equal(status, 0);
  const screens = stdout.split('\x1b[H\x1b[2J');
  assert.equal(screens.length, 3, 'two samples, each after a clear');
  assert.match(screens[1]!, /first read, no rates yet/);
  assert.match(screens[2]!, /rates over/);
});
