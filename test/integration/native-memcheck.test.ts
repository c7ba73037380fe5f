import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { engineReady } from '../helpers/engines.js';
import { prerequisite } from '../helpers/prereq.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { makeNatScene } from '../../src/nat/scene.js';
import { holdConnections, holdingServer, TEN_PORTS } from '../helpers/nat-scene.js';

test("[native] a load in every port mode and close policy (keepalive too), a sock_diag count and dump, the native target under load and hostile clients, the port-search probe and a NAT router's conntrack through ctnetlink, under valgrind memcheck: no error", async (t) => {
  if (!engineReady(t, 'native')) return;
  if (!prerequisite(t, spawnSync('valgrind', ['--version']).status === 0, 'needs valgrind (apt-get install valgrind)')) return;
  if (!prerequisite(t, CAN_UNSHARE && spawnSync('nft', ['--version']).status === 0, 'needs root and nft for the NAT router')) return;
  // 10 connections held through a 10-port NAT: conntrack has 10 NAT mappings to read.
  const nat = await makeNatScene({ ...TEN_PORTS, destinationPorts: [80] });
  t.after(() => nat.remove());
  const server = await holdingServer(nat);
  t.after(() => server.stop());
  const client = await holdConnections(nat, [{ pod: nat.plan.pods[0]!, host: nat.plan.servers[0]!, port: 80, count: 10 }]);
  t.after(() => client.release());
  const script = fileURLToPath(new URL('../helpers/native-smoke.js', import.meta.url));
  const run = spawnSync('valgrind', ['--error-exitcode=9', '--leak-check=no', process.execPath, script], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, PORTCHURN_SMOKE_CONNTRACK: `/run/netns/${nat.router}` },
  });
  assert.equal(run.status, 0, run.stderr.split('\n').slice(-30).join('\n'));
  assert.match(run.stdout, /records 1000 failed 0/);
  assert.match(run.stdout, /sock_diag: ([1-9]\d*) client TIME_WAIT, \d+ sockets; dump: \1 of them/);
  assert.match(run.stdout, /target: 200 requests, 4 refused/);
  assert.match(run.stdout, /probe: 100 connect, 100 bind/);
  assert.match(run.stdout, /conntrack: 10 NAT mappings/);
  assert.match(run.stderr, /ERROR SUMMARY: 0 errors/);
});
