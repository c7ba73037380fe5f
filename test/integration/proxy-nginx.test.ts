import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { NGINX_PREFIX_DIRS, startNginx } from '../../src/proxy/nginx/process.js';
import { findProxy, makePrefix, ProxyError, removePrefix } from '../../src/proxy/proxy-process.js';
import { proxyScenario } from '../../src/proxy/scenario.js';
import { runCli } from '../helpers/cli.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { ourProxies, prefixesLeft, proxyInstalled } from '../helpers/proxies.js';
import { ENGINES, engineReady } from '../helpers/engines.js';

const nginxInstalled = (): boolean => proxyInstalled('nginx');
const ourNginx = (): number[] => ourProxies('nginx');

for (const engine of ENGINES) {
  test(`[${engine}] nginx upstream exhaustion: plain fails with 502 and errno 99, split and keepalive fix it`, async (t) => {
    if (!engineReady(t, engine)) return;
    if (!prerequisite(t, nginxInstalled(), 'needs nginx (apt-get install nginx-light)')) return;
    if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
    const before = prefixesLeft('nginx');
    const result = await proxyScenario({
      variants: 'plain,split,keepalive,wide',
      sources: 4,
      splitKey: '$request_id',
      requests: 6000,
      connections: 16,
      sampleInterval: '500ms',
      engine,
    });
    const [plain, split, keepalive, wide] = result.variants;
    assert.equal(result.profile, 'narrow');
    for (const v of result.variants) assert.equal(v.client.engine, engine, `${v.variant}: the client side ran on ${engine}`);

    // plain: nginx closes its upstream connections first; 1,000 ports, then 502 with errno 99.
    assert.ok(
      plain!.upstream.connections >= 980 && plain!.upstream.connections <= 1000,
      `plain upstream connections ${plain!.upstream.connections}`,
    );
    assert.ok((plain!.client.totals.statuses['502'] ?? 0) > 1000, 'plain answers 502');
    assert.ok((plain!.errorLog.byErrno['99'] ?? 0) > 1000, 'errno-99 lines in the error log');
    assert.match(plain!.errorLog.example!, /\(99: Cannot assign requested address\) while connecting to upstream/);
    assert.equal(plain!.upstreamSockets!.peakTimeWait.client, plain!.upstream.connections, "the TIME_WAIT is on nginx's side");

    // nginx's own CPU, from /proc for its process group (one process here: master_process off), and the port search on its hop.
    const cpu = plain!.proxyCpu!;
    assert.ok(cpu, 'the proxy CPU was read');
    assert.equal(cpu.processes, 1, 'the one nginx process, nobody else');
    assert.ok(cpu.systemMs > 0, 'nginx spent time in the kernel');
    const sum = (k: 'userMs' | 'systemMs'): number => cpu.perSecond.reduce((n, e) => n + e[k], 0);
    assert.ok(Math.abs(sum('systemMs') - cpu.systemMs) < 1e-6 && Math.abs(sum('userMs') - cpu.userMs) < 1e-6, 'the seconds add up');
    assert.equal(plain!.portSearch!.pairs, 1);
    assert.equal(plain!.portSearch!.fallAt, 500, 'half of the 1,000 ports');
    assert.notEqual(plain!.portSearch!.fallSecond, null, 'plain made ~1,000 upstream connections: past the fall');
    assert.equal(split!.portSearch!.fallAt, 2000, '4 source addresses x 500');

    // split over 4 addresses with a per-request key: all 4 used, about 4x the upstream connections.
    assert.deepEqual(Object.keys(split!.upstream.byRemoteAddress).sort(), ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4']);
    const ratio = split!.upstream.connections / plain!.upstream.connections;
    assert.ok(ratio > 3.8 && ratio < 4.2, `split/plain upstream connections ${ratio}`);
    assert.match(split!.config, /split_clients "\$request_id" \$split_ip/);

    // keepalive: no 502, far fewer upstream connections than requests.
    assert.equal(keepalive!.client.totals.statuses['502'] ?? 0, 0);
    assert.equal(keepalive!.client.totals.ok, 6000);
    assert.ok(
      keepalive!.upstream.connections * 10 < keepalive!.upstream.requests,
      `${keepalive!.upstream.connections} connections for ${keepalive!.upstream.requests} requests`,
    );

    // wide: 64,512 ports in the namespace; 6,000 requests do not run out.
    assert.equal(wide!.client.plan.netns?.sysctls['net.ipv4.ip_local_port_range'], '1024 65535');
    assert.equal(wide!.client.totals.statuses['502'] ?? 0, 0);

    assert.deepEqual(ourNginx(), [], 'every nginx was stopped');
    assert.deepEqual(prefixesLeft('nginx'), before, 'every private prefix was removed');
  });
}

test('nginx keepalive: the default upstream keepalive_requests closes each kept connection after exactly 1,000 requests; the tuned variant closes none', async (t) => {
  if (!prerequisite(t, nginxInstalled(), 'needs nginx (apt-get install nginx-light)')) return;
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  const result = await proxyScenario({ kind: 'nginx', variants: 'keepalive,keepalive-tuned', requests: 40_000, connections: 16 });
  const [keepalive, tuned] = result.variants;
  for (const v of [keepalive!, tuned!]) assert.equal(v.client.totals.ok, 40_000, v.variant);
  // 16 kept connections carry 2,500 requests each on average: about 32 of them reach the limit.
  const churn = keepalive!.churn!;
  assert.ok(churn.endedConnections >= 16, `${churn.endedConnections} upstream connections ended`);
  assert.equal(churn.requestsPerEndedConnection, 1000, 'each ended connection carried exactly keepalive_requests');
  assert.equal(churn.maxRequestsPerConnection, 1000);
  assert.equal(churn.timeWaitHeldBy, 'proxy');
  assert.match(churn.reading, /after 1,000 requests each: the upstream block's keepalive_requests/);
  assert.equal(keepalive!.upstreamSockets!.peakTimeWait.client, churn.endedConnections, "each one a TIME_WAIT on nginx's side");
  assert.equal(keepalive!.model.ceilingOk, 1000, 'the model counts the churned connections against the 1,000 ports');
  // tuned: keepalive_requests and keepalive_time raised in the upstream block.
  assert.match(tuned!.config, /upstream backend \{[^}]*keepalive_requests 1000000;[^}]*keepalive_time 1d;/);
  assert.equal(tuned!.churn!.endedConnections, 0);
  assert.ok(tuned!.upstream.connections <= 16, `${tuned!.upstream.connections} upstream connections`);
  assert.match(tuned!.churn!.reading, /none ended during the load/);
});

test("nginx rejecting its configuration: the error carries nginx's own message", async (t) => {
  if (!prerequisite(t, nginxInstalled(), 'needs nginx (apt-get install nginx-light)')) return;
  const prefix = await makePrefix('nginx', NGINX_PREFIX_DIRS);
  try {
    await assert.rejects(
      startNginx(findProxy('nginx'), prefix, 'events {}\nhttp { server { listen 127.0.0.1:1; bogus_directive on; } }\n', 1),
      (e: unknown) => e instanceof ProxyError && /unknown directive "bogus_directive"/.test(e.message),
    );
    assert.deepEqual(ourNginx(), []);
  } finally {
    await removePrefix(prefix);
  }
  assert.equal(existsSync(prefix), false);
});

test('nginx missing or bad nginx options: a clear error, exit 2, before any traffic', async () => {
  const missing = await runCli(['nginx', '--nginx-bin', '/nonexistent/nginx', '-n', '10']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--nginx-bin \/nonexistent\/nginx does not exist/);
  const variant = await runCli(['nginx', '--variants', 'plain,magic']);
  assert.equal(variant.status, 2);
  assert.match(variant.stderr, /--variants 'magic'/);
  const ports = await runCli(['nginx', '--variants', 'ports']);
  assert.equal(ports.status, 2);
  assert.match(ports.stderr, /--variants 'ports': nginx: /);
  const key = await runCli(['nginx', '--split-key', 'remote_addr; evil']);
  assert.equal(key.status, 2);
  assert.match(key.stderr, /--split-key/);
});
