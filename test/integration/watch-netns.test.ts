import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { WatchNodeSample } from '../../src/result/watch-sample.js';
import { kernelDumpsBoundOnly } from '../../src/sampler/socket-dump.js';
import { runCli } from '../helpers/cli.js';
import { engineReady } from '../helpers/engines.js';
import { followOutput } from '../helpers/events.js';
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
  assert.match(check.stdout, /SUCCESS: 6 rules found/);
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
