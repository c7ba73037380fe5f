import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test, type TestContext } from 'node:test';
import { startHaproxy } from '../../src/proxy/haproxy/process.js';
import { findProxy, makePrefix, ProxyError, removePrefix } from '../../src/proxy/proxy-process.js';
import { proxyScenario } from '../../src/proxy/scenario.js';
import type { ProxyVariantResult } from '../../src/result/proxy-result.js';
import { runCli } from '../helpers/cli.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { ourProxies, prefixesLeft, proxyInstalled } from '../helpers/proxies.js';

function ready(t: TestContext, kinds: readonly ('haproxy' | 'nginx')[] = ['haproxy']): boolean {
  for (const kind of kinds)
    if (!prerequisite(t, proxyInstalled(kind), `needs ${kind} (apt-get install ${kind === 'nginx' ? 'nginx-light' : 'haproxy'})`))
      return false;
  return prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces');
}

const ourHaproxy = (): number[] => ourProxies('haproxy');

/** Client requests that did not succeed. */
function failed(v: ProxyVariantResult): number {
  return v.client.totals.attempts - v.client.totals.ok;
}

test('haproxy tcp mode: plain runs out at the namespace’s ports, split over 4 sources gets 4x evenly, ports past them with timestamps, nolinger leaves no TIME_WAIT', async (t) => {
  if (!ready(t)) return;
  const before = prefixesLeft('haproxy');
  const result = await proxyScenario({
    kind: 'haproxy',
    variants: 'plain,split,ports,nolinger',
    sources: 4,
    requests: 6000,
    connections: 16,
    sampleInterval: '500ms',
  });
  assert.deepEqual(
    result.variants.map((v) => [v.kind, v.variant, v.mode]),
    [
      ['haproxy', 'plain', 'tcp'],
      ['haproxy', 'split', 'tcp'],
      ['haproxy', 'ports', 'tcp'],
      ['haproxy', 'nolinger', 'tcp'],
    ],
  );
  const [plain, split, ports, nolinger] = result.variants as ProxyVariantResult[];

  // plain: 1,000 ports in the namespace, two of them the listeners'; HAProxy holds a TIME_WAIT per
  // connection, then every connect() fails: logged once per try (3 retries), counted by HAProxy.
  assert.ok(
    plain!.upstream.connections >= 990 && plain!.upstream.connections <= 1000,
    `plain upstream connections ${plain!.upstream.connections}`,
  );
  assert.equal(plain!.upstream.requests, plain!.upstream.connections, 'one request per upstream connection');
  assert.equal(plain!.client.totals.ok, plain!.upstream.requests);
  const plainFailed = failed(plain!);
  assert.ok(plainFailed > 4000, `${plainFailed} client requests failed`);
  assert.equal(plain!.client.totals.errors.CLOSED_EARLY, plainFailed, 'in tcp mode HAProxy closes the client connection');
  assert.equal(plain!.errorLog.byErrno['99'], 4 * plainFailed, "one 'no free ports' line per try: the first and 3 retries");
  assert.equal(plain!.errorLog.example, 'Connect() failed for backend upstream: no free ports.');
  assert.equal(plain!.counters!.backend.connectErrors, plainFailed, "HAProxy's own econ");
  assert.equal(plain!.counters!.backend.retries, 3 * plainFailed, "HAProxy's own wretr");
  assert.equal(plain!.upstreamSockets!.peakTimeWait.client, plain!.upstream.connections, "the TIME_WAIT is on HAProxy's side");
  assert.equal(plain!.churn!.timeWaitHeldBy, 'proxy');
  assert.match(plain!.config, /^ {4}mode tcp$/m);
  assert.match(plain!.config, /^ {4}server up1 127\.0\.0\.1:\d+ source 127\.0\.0\.1$/m);

  // split: one server line per source address, round robin: 4 sources, each about 1,000.
  const bySource = split!.upstream.byRemoteAddress;
  assert.deepEqual(Object.keys(bySource).sort(), ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4']);
  const counts = Object.values(bySource).map((c) => c.connections);
  assert.ok(Math.min(...counts) >= 990 && Math.max(...counts) <= 1000, `per source ${counts.join(', ')}`);
  assert.ok(failed(split!) > 0, 'split runs out too, four times later');
  assert.equal(split!.counters!.servers.length, 4);

  // ports: HAProxy binds each port itself (SO_REUSEADDR); with timestamps on, a TIME_WAIT 4-tuple
  // is taken over at once, so it goes past the 1,000 ports without an error.
  assert.equal(ports!.client.totals.ok, 6000);
  assert.equal(ports!.upstream.connections, 6000);
  assert.ok((ports!.client.kernel!.tcpExt.TWRecycled ?? 0) >= 4000, `TWRecycled ${ports!.client.kernel!.tcpExt.TWRecycled}`);
  assert.match(ports!.config, /source 127\.0\.0\.1:40000-40999$/m);

  // nolinger: an RST per upstream connection, no TIME_WAIT on HAProxy's side, no error.
  assert.equal(nolinger!.client.totals.ok, 6000);
  assert.equal(nolinger!.upstreamSockets!.peakTimeWait.client, 0);
  assert.ok((nolinger!.client.kernel!.tcp.OutRsts ?? 0) >= 6000, `RSTs sent ${nolinger!.client.kernel!.tcp.OutRsts}`);
  assert.equal(nolinger!.churn!.timeWaitHeldBy, 'nobody');

  assert.deepEqual(ourHaproxy(), [], 'every haproxy was stopped');
  assert.deepEqual(prefixesLeft('haproxy'), before, 'every private prefix was removed');
});

test('haproxy ports without TCP timestamps: a TIME_WAIT is not taken over, it stops at the namespace’s ports', async (t) => {
  if (!ready(t)) return;
  const result = await proxyScenario({
    kind: 'haproxy',
    variants: 'ports',
    requests: 3000,
    connections: 16,
    sysctl: ['net.ipv4.tcp_timestamps=0'],
  });
  const ports = result.variants[0]!;
  assert.equal(ports.client.plan.netns?.sysctls['net.ipv4.tcp_timestamps'], '0');
  assert.ok(ports.upstream.connections >= 990 && ports.upstream.connections <= 1000, `upstream connections ${ports.upstream.connections}`);
  assert.equal(ports.counters!.backend.connectErrors, failed(ports));
  assert.ok(failed(ports) > 1500);
  assert.equal(ports.model.ceilingOk, 1000, 'the model: explicit ports without timestamps are port-bound');
});

test('haproxy http mode: keepalive reuses server connections, and plain resets each one instead of holding a TIME_WAIT', async (t) => {
  if (!ready(t)) return;
  const result = await proxyScenario({
    kind: 'haproxy',
    haproxyMode: 'http',
    variants: 'plain,keepalive,keepalive-tuned',
    requests: 6000,
    connections: 16,
    sampleInterval: '500ms',
  });
  const [plain, keepalive, tuned] = result.variants as ProxyVariantResult[];
  for (const v of result.variants) assert.equal(v.mode, 'http');
  // plain: option http-server-close; HAProxy ends every server connection with an RST: no TIME_WAIT, no shortage.
  assert.equal(plain!.client.totals.ok, 6000);
  assert.equal(plain!.upstream.connections, 6000);
  assert.equal(plain!.upstreamSockets!.peakTimeWait.client, 0);
  assert.ok((plain!.client.kernel!.tcp.OutRsts ?? 0) >= 6000, `RSTs sent ${plain!.client.kernel!.tcp.OutRsts}`);
  assert.equal(plain!.counters!.backend.responses['2xx'], 6000);
  assert.match(plain!.config, /option http-server-close/);
  // keepalive: no error, the client's 16 connections' worth of server connections carry all.
  for (const v of [keepalive!, tuned!]) {
    assert.equal(v.client.totals.ok, 6000, v.variant);
    assert.ok(v.upstream.connections <= 32, `${v.variant}: ${v.upstream.connections} upstream connections`);
    assert.equal(v.counters!.backend.connects + v.counters!.backend.reuses, 6000, `${v.variant}: every request a connect or a reuse`);
  }
  assert.match(keepalive!.config, /http-reuse safe/);
  assert.match(tuned!.config, /http-reuse always/);
});

test('a configuration haproxy rejects is a clear error naming the line', async (t) => {
  if (!prerequisite(t, proxyInstalled('haproxy'), 'needs haproxy (apt-get install haproxy)')) return;
  const prefix = await makePrefix('haproxy');
  try {
    await assert.rejects(
      startHaproxy(findProxy('haproxy'), prefix, 'global\n    nbthread 1\ndefaults\n    mode tcp\n    bogus_keyword on\n', 1),
      (e: unknown) => e instanceof ProxyError && /haproxy rejected its configuration: .*haproxy\.cfg:5\].*bogus_keyword/.test(e.message),
    );
    assert.deepEqual(ourHaproxy(), []);
  } finally {
    await removePrefix(prefix);
  }
});

test('a proxy that dies mid-variant: every figure measured so far is kept, and when it died', async (t) => {
  if (!ready(t)) return;
  let killed: number | null = null;
  let seen = 0;
  const result = await proxyScenario(
    { kind: 'haproxy', variants: 'keepalive', duration: '6s', connections: 16, timeout: '2s' },
    {
      onProgress: (_stage, p) => {
        // The second progress line: HAProxy's counters have been read at least once by then.
        if (++seen === 2 && p.ok > 0 && killed === null) {
          const [pid] = ourHaproxy();
          assert.ok(pid, 'the scenario’s haproxy is running');
          killed = pid;
          process.kill(pid, 'SIGKILL');
        }
      },
    },
  );
  assert.ok(killed !== null, 'haproxy was killed mid-variant');
  const v = result.variants[0]!;
  assert.equal(v.proxyExit?.signal, 'SIGKILL');
  assert.ok(v.client.totals.ok > 0, `${v.client.totals.ok} ok`);
  assert.ok(failed(v) > 0, 'the client saw the proxy go');
  assert.ok(v.counters !== null && v.counters.readAtMs <= v.proxyExit!.atMs, 'the last counters read before it died');
  assert.ok(v.counters!.backend.sessions > 0 && v.counters!.backend.sessions <= v.client.totals.ok);
  // What the upstream served is kept: every request the client got an answer to, and at most the 16 in flight when HAProxy died.
  assert.ok(
    v.upstream.requests >= v.client.totals.ok && v.upstream.requests <= v.client.totals.ok + 16,
    `${v.upstream.requests} served upstream`,
  );
  assert.deepEqual(ourHaproxy(), []);
});

test('portchurn proxy --kind nginx,haproxy: both proxies in one table, a variant one lacks skipped with why', async (t) => {
  if (!ready(t, ['nginx', 'haproxy'])) return;
  const out = `${tmpdir()}/portchurn-proxy-cli-${process.pid}`;
  const run = await runCli([
    'proxy',
    '--kind',
    'nginx,haproxy',
    '--variants',
    'plain,nolinger',
    '-n',
    '3000',
    '-c',
    '16',
    '--out',
    out,
    '--reports',
    'md',
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /nginx plain\s/);
  assert.match(run.stdout, /haproxy plain \(tcp\)/);
  assert.match(run.stdout, /haproxy nolinger \(tcp\)/);
  assert.match(run.stdout, /skipped nginx nolinger: nginx has no setting/);
  const json = readdirSync(out).find((f) => f.endsWith('.json') && f.startsWith('proxy-'));
  const result = JSON.parse(readFileSync(`${out}/${json}`, 'utf8')) as { kind: string; kinds: string[]; variants: { kind: string }[] };
  rmSync(out, { recursive: true, force: true });
  assert.equal(result.kind, 'proxy');
  assert.deepEqual(result.kinds, ['nginx', 'haproxy']);
  assert.deepEqual(
    result.variants.map((v) => v.kind),
    ['nginx', 'haproxy', 'haproxy'],
  );
  const bad = await runCli(['proxy', '--kind', 'nginx', '--variants', 'ports']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--variants 'ports': nginx: nginx picks no source ports itself/);
  const kind = await runCli(['proxy', '--kind', 'envoy']);
  assert.equal(kind.status, 2);
  assert.match(kind.stderr, /--kind 'envoy' must be among nginx, haproxy/);
  const missing = await runCli(['proxy', '--kind', 'haproxy', '--haproxy-bin', '/nonexistent/haproxy', '-n', '10']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--haproxy-bin \/nonexistent\/haproxy does not exist/);
});
