import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { WatchNodeSample } from '../../src/result/watch-sample.js';
import { kernelDumpsBoundOnly } from '../../src/sampler/socket-dump.js';
import { BIN, runCli } from '../helpers/cli.js';
import { freePort } from '../../src/env/free-port.js';
import { engineReady } from '../helpers/engines.js';
import { followOutput, pollUntil, pollUntilAsync } from '../helpers/events.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { SCENE } from '../helpers/watch-scene-spec.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENE_JS = fileURLToPath(new URL('../helpers/watch-scene.js', import.meta.url));
const SCENE_ENV = { ...process.env, WATCH_SCENE_OUTER_NETNS: readlinkSync('/proc/self/ns/net') };
const has = (cmd: string, args = ['--version']): boolean => spawnSync(cmd, args).status === 0;
const [A, B] = SCENE.destinations;

test('the Prometheus rules pass promtool check rules and their unit tests (deploy/prometheus)', (t) => {
  if (!prerequisite(t, has('promtool'), "needs promtool (Debian's prometheus package)")) return;
  const dir = join(ROOT, 'deploy/prometheus');
  const check = spawnSync('promtool', ['check', 'rules', 'portchurn-rules.yml'], { cwd: dir, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /SUCCESS: 8 rules found/);
  const unit = spawnSync('promtool', ['test', 'rules', 'portchurn-rules.test.yml'], { cwd: dir, encoding: 'utf8' });
  assert.equal(unit.status, 0, unit.stdout + unit.stderr);
  assert.match(unit.stdout, /SUCCESS/);
});

test("watch --netns reads another namespace from outside it, with that namespace's own settings; --all-netns names each; without CAP_SYS_ADMIN it says which it could not read and reads the rest", async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && has('python3'), 'needs root, unshare -n and python3')) return;
  if (!engineReady(t, 'native')) return;
  const scene = spawn('unshare', ['-n', process.execPath, SCENE_JS, 'still'], { stdio: ['pipe', 'pipe', 'pipe'], env: SCENE_ENV });
  const output = followOutput(scene);
  t.after(() => {
    if (scene.exitCode === null) scene.kill('SIGKILL');
  });
  await output.printed('"ready":true', 60_000);
  const path = `/proc/${scene.pid}/ns/net`;
  const inode = statSync(path).ino;

  const json = await runCli(['watch', '--netns', path, '--once', '--json', '--interval', '200ms']);
  assert.equal(json.status, 0, json.stderr);
  const node = JSON.parse(json.stdout) as WatchNodeSample;
  assert.equal(node.kind, 'watch-node');
  assert.deepEqual(node.unreadable, []);
  const [s] = node.samples;
  assert.deepEqual([s!.netns?.inode, s!.netns?.pid, s!.netns?.own], [inode, scene.pid, false]);
  // The scene's own port settings, read inside it: not this namespace's.
  assert.deepEqual([s!.ports.low, s!.ports.high, s!.ports.reservedInRange, s!.timeWait.twReuse], [40000, 40999, 100, 0]);
  assert.equal(s!.ports.usablePorts, 1000 - 100 - (kernelDumpsBoundOnly(release()) ? 2 : 1));
  assert.deepEqual(s!.groups.map((g) => [g.destination, g.timeWait]).sort(), [
    [A.host, A.timeWait],
    [B.host, B.timeWait],
  ]);

  const all = await runCli(['watch', '--all-netns', '--once', '--interval', '200ms']);
  assert.equal(all.status, 0, all.stderr);
  assert.match(all.stdout, new RegExp(`namespace net:\\[${inode}\\] · pid ${scene.pid} node`));
  assert.match(all.stdout, /namespace net:\[\d+\] \(this one\)/);
  assert.match(all.stdout, /127\.0\.0\.3:8080/);

  // Without CAP_SYS_ADMIN (the bounding set dropped) another namespace cannot be entered.
  if (!prerequisite(t, has('setpriv', ['--version']), 'needs setpriv (util-linux)')) return;
  const weak = await runCli(['watch', '--netns', `${path},/proc/self/ns/net`, '--once', '--json', '--interval', '200ms'], {
    wrapper: ['setpriv', '--bounding-set=-sys_admin'],
  });
  assert.equal(weak.status, 0, weak.stderr);
  const partial = JSON.parse(weak.stdout) as WatchNodeSample;
  assert.deepEqual(
    partial.unreadable.map((u) => u.netns.inode),
    [inode],
  );
  assert.match(partial.unreadable[0]!.error, /EPERM|not permitted.*CAP_SYS_ADMIN/);
  assert.equal(partial.samples.length, 1, 'its own namespace is read all the same');
  assert.match(weak.stderr, new RegExp(`cannot read net:\\[${inode}\\]`));
  scene.stdin!.end();
});

/**
 * The network namespaces `pid`'s sockets live in (SIOCGSKNS on a copy of each socket taken with
 * pidfd_getfd): what keeps a namespace alive in the kernel after its last process is gone.
 */
function namespacesHeldBy(pid: number): number[] {
  const script = `
import ctypes, fcntl, json, os, sys
pid = int(sys.argv[1]); libc = ctypes.CDLL(None, use_errno=True); pidfd = os.pidfd_open(pid); held = set()
for fd in os.listdir(f'/proc/{pid}/fd'):
    try: link = os.readlink(f'/proc/{pid}/fd/{fd}')
    except OSError: continue
    if not link.startswith('socket:'): continue
    mine = libc.syscall(438, pidfd, int(fd), 0)  # pidfd_getfd
    if mine < 0: continue
    try:
        ns = fcntl.ioctl(mine, 0x894C)  # SIOCGSKNS
        held.add(os.fstat(ns).st_ino); os.close(ns)
    except OSError: pass
    os.close(mine)
print(json.dumps(sorted(held)))`;
  const ran = spawnSync('python3', ['-c', script, String(pid)], { encoding: 'utf8' });
  assert.equal(ran.status, 0, ran.stderr);
  return JSON.parse(ran.stdout) as number[];
}

/** Every /proc/PID/ns/net inode of the node now. */
function namespacesOfProcesses(): Set<number> {
  const inodes = new Set<number>();
  for (const d of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      inodes.add(statSync(`/proc/${d}/ns/net`).ino);
    } catch {
      // gone
    }
  }
  return inodes;
}

test('watch --all-netns --metrics-listen follows namespaces as they come and go: a new one is read, a deleted one leaves the series and is let go by the exporter, so the kernel frees it', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && has('python3'), 'needs root, unshare -n and python3')) return;
  if (!engineReady(t, 'native')) return;
  const startScene = async (): Promise<{ child: ReturnType<typeof spawn>; inode: number }> => {
    const child = spawn('unshare', ['-n', process.execPath, SCENE_JS, 'still'], { stdio: ['pipe', 'pipe', 'pipe'], env: SCENE_ENV });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await followOutput(child).printed('"ready":true', 60_000);
    return { child, inode: statSync(`/proc/${child.pid}/ns/net`).ino };
  };
  const a = await startScene();
  const port = await freePort();
  const exporter = spawn(process.execPath, [BIN, 'watch', '--all-netns', '--metrics-listen', `127.0.0.1:${port}`, '--interval', '100ms'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = followOutput(exporter);
  t.after(() => {
    if (exporter.exitCode === null) exporter.kill('SIGKILL');
  });
  await out.printed('serving', 30_000);
  const up = (metrics: string, inode: number): boolean =>
    new RegExp(`^portchurn_watch_namespace_up\\{netns="${inode}"\\} 1$`, 'm').test(metrics);
  let metrics = '';
  const scrapeUntil = (what: string, ready: () => boolean): Promise<void> =>
    pollUntilAsync(
      what,
      20_000,
      async () => {
        metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return ready();
      },
      150,
    );
  await scrapeUntil('scene A read', () => up(metrics, a.inode));
  assert.ok(namespacesHeldBy(exporter.pid!).includes(a.inode), "the exporter holds A's namespace while it reads it");

  // A pod started after the exporter: read from a scrape on.
  const b = await startScene();
  await scrapeUntil('scene B read, A still there', () => up(metrics, b.inode) && up(metrics, a.inode));
  assert.match(metrics, new RegExp(`portchurn_watch_ports_held\\{[^}]*netns="${b.inode}"`), "B's groups are series too");

  // A pod deleted: its last process exits; the next read lists it no more and lets it go.
  a.child.stdin!.end();
  await new Promise((resolve) => a.child.once('close', resolve));
  // Its helper (a python3 holding a bound socket) ends with its stdin, just after it.
  await pollUntil('no process left in A', 10_000, () => !namespacesOfProcesses().has(a.inode), 50);
  await scrapeUntil("A's series gone, B's kept", () => !up(metrics, a.inode) && up(metrics, b.inode));
  assert.doesNotMatch(metrics, new RegExp(`^portchurn_watch_(namespace_up|namespace_info|ports_held)\\{[^}]*netns="${a.inode}"`, 'm'));
  assert.ok(up(metrics, b.inode));
  const held = namespacesHeldBy(exporter.pid!);
  assert.ok(!held.includes(a.inode), `the exporter let A's namespace go (holds ${held.join(', ')})`);
  assert.ok(held.includes(b.inode), "and still holds B's");

  b.child.stdin!.end();
  exporter.kill('SIGTERM');
  assert.equal(await out.exited, 0, out.stderr());
});
