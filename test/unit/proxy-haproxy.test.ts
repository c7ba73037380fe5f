import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upstreamChurn, timeWaitHolder } from '../../src/model/proxy-churn.js';
import { predictCapacity } from '../../src/model/capacity.js';
import { modeOf } from '../../src/plan/proxy-variants.js';
import { renderHaproxyConfig, type HaproxyConfigInput } from '../../src/proxy/haproxy/config.js';
import { countHaproxyLog } from '../../src/proxy/haproxy/log.js';
import { haproxyConfigError } from '../../src/proxy/haproxy/process.js';
import { haproxyCountersOf, parseShowInfo } from '../../src/proxy/haproxy/stats.js';
import { planProxy } from '../../src/proxy/scenario.js';
import { validateResult } from '../../src/result/read-result.js';
import { PlanError } from '../../src/errors.js';
import { fixture } from '../helpers/fixtures.js';
import { renderProxyHtml, renderProxyMarkdown, renderProxySummary } from '../../src/report/proxy-report.js';

const base: HaproxyConfigInput = {
  variant: 'plain',
  mode: 'tcp',
  prefix: '/tmp/p',
  listenPort: 8080,
  upstream: { host: '127.0.0.1', port: 9000 },
  source: '127.0.0.1',
  splitSources: ['127.0.1.1', '127.0.1.2', '127.0.1.3'],
  portRange: { low: 40000, high: 40999 },
};

const serverLines = (conf: string): string[] => conf.split('\n').filter((l) => l.trim().startsWith('server '));

test('haproxy.cfg: one thread, the stats socket in the prefix, a source per server line by variant', () => {
  const plain = renderHaproxyConfig(base);
  assert.match(plain, /^ {4}nbthread 1$/m);
  assert.match(plain, /^ {4}stats socket "\/tmp\/p\/haproxy\.sock" mode 600 level admin$/m);
  assert.match(plain, /^ {4}mode tcp$/m);
  assert.match(plain, /^ {4}bind 127\.0\.0\.1:8080$/m);
  assert.deepEqual(serverLines(plain), ['    server up1 127.0.0.1:9000 source 127.0.0.1']);
  assert.ok(!/http-server-close|nolinger|http-reuse/.test(plain));
  assert.deepEqual(serverLines(renderHaproxyConfig({ ...base, variant: 'split' })), [
    '    server up1 127.0.0.1:9000 source 127.0.1.1',
    '    server up2 127.0.0.1:9000 source 127.0.1.2',
    '    server up3 127.0.0.1:9000 source 127.0.1.3',
  ]);
  assert.deepEqual(serverLines(renderHaproxyConfig({ ...base, variant: 'ports' })), [
    '    server up1 127.0.0.1:9000 source 127.0.0.1:40000-40999',
  ]);
  assert.match(renderHaproxyConfig({ ...base, variant: 'nolinger' }), /^ {4}option nolinger$/m);
  assert.match(renderHaproxyConfig({ ...base, mode: 'http' }), /^ {4}option http-server-close$/m);
  const keepalive = renderHaproxyConfig({ ...base, variant: 'keepalive', mode: 'http' });
  assert.match(keepalive, /^ {4}http-reuse safe$/m);
  assert.ok(!keepalive.includes('http-server-close'));
  assert.match(renderHaproxyConfig({ ...base, variant: 'keepalive-tuned', mode: 'http' }), /^ {4}http-reuse always$/m);
});

test('keepalive variants are HTTP whatever --haproxy-mode says; nginx is always HTTP', () => {
  assert.equal(modeOf('haproxy', 'plain', 'tcp'), 'tcp');
  assert.equal(modeOf('haproxy', 'keepalive', 'tcp'), 'http');
  assert.equal(modeOf('haproxy', 'keepalive-tuned', 'tcp'), 'http');
  assert.equal(modeOf('nginx', 'plain', 'tcp'), 'http');
});

test("HAProxy's stderr counted by the errno behind each message; notices are not errors", () => {
  const counts = countHaproxyLog(
    [
      '[NOTICE]   (12) : haproxy version is 2.6.12-1+deb12u4',
      'Connect() failed for backend upstream: no free ports.',
      'Connect() failed for backend upstream: no free ports.',
      'Connect() failed for backend upstream: local address already in use.',
      '[ALERT]    (12) : Cannot bind to source address before connect() for backend upstream. Aborting.',
      '[WARNING]  (12) : Exiting Master process...',
      '',
    ].join('\n'),
  );
  assert.deepEqual(counts.byErrno, { '99': 2, '98': 1 });
  assert.equal(counts.other, 1);
  assert.equal(counts.example, 'Connect() failed for backend upstream: no free ports.');
});

test('a rejected configuration: the alert that names the file and line', () => {
  const output = [
    '[NOTICE]   (5) : haproxy version is 2.6.12',
    "[ALERT]    (5) : config : parsing [/tmp/p/haproxy.cfg:5] : unknown keyword 'bogus_keyword' in 'defaults' section",
    '[ALERT]    (5) : config : Fatal errors found in configuration.',
  ].join('\n');
  assert.equal(
    haproxyConfigError(output),
    "config : parsing [/tmp/p/haproxy.cfg:5] : unknown keyword 'bogus_keyword' in 'defaults' section",
  );
});

test("HAProxy's own counters from a real `show stat`: connects, reuses, errors, responses by class", () => {
  const counters = haproxyCountersOf(
    fixture('haproxy-2.6-show-stat.csv'),
    'Name: HAProxy\nVersion: 2.6.12-1+deb12u4\nUptime_sec: 16\nCumConns: 65\n',
    'be',
    1234,
  );
  assert.ok(counters);
  assert.deepEqual(
    counters.servers.map((s) => [s.name, s.sessions, s.connects, s.reuses, s.connectErrors, s.retries]),
    [['up', 484445, 68, 484377, 0, 0]],
  );
  assert.equal(counters.backend.name, 'BACKEND');
  assert.equal(counters.backend.responses['2xx'], 484445);
  assert.deepEqual(counters.info, { version: '2.6.12-1+deb12u4', cumConns: 65, uptimeSec: 16 });
  assert.equal(counters.readAtMs, 1234);
  assert.equal(haproxyCountersOf(fixture('haproxy-2.6-show-stat.csv'), '', 'nope', 0), null);
  assert.deepEqual(parseShowInfo('Name: HAProxy\nbad line\nPid: 7'), { Name: 'HAProxy', Pid: '7' });
});

const MODEL_INPUT = {
  ephemeralPorts: { low: 40000, high: 40999 },
  reservedPorts: '',
  twReuse: 0,
  twReuseDelayMs: null,
  timestamps: 1,
  maxTwBuckets: null,
  destinations: 1,
  loopback: true,
  explicitPorts: null,
  durationSec: 20,
  offeredRatePerSec: null,
  portMode: 'kernel' as const,
  sources: 1,
};

test('the churn reading: a keepalive limit, measured, predicts when the ports run out', () => {
  const model = predictCapacity({ ...MODEL_INPUT, close: 'client' });
  const churn = upstreamChurn({
    kind: 'nginx',
    variant: 'keepalive',
    mode: 'http',
    upstreamClose: 'client',
    upstream: {
      connections: 1032,
      requests: 1_000_000,
      byRemoteAddress: {},
      byLocalAddress: {},
      ended: { connections: 968, requests: 968_000, maxRequests: 1000 },
    },
    durationSec: 20,
    model,
  });
  assert.equal(churn.requestsPerEndedConnection, 1000);
  assert.equal(churn.endedPerSec, 48.4);
  assert.equal(churn.timeWaitHeldBy, 'proxy');
  // 48.4 closes a second, each held 60 s: 2,904 > 1,000 usable, so they fill after 1000 / 48.4 s.
  assert.equal(churn.exhaustionSec, 1000 / 48.4);
  assert.match(
    churn.reading,
    /^968 upstream connections ended \(1,000 requests each\), 48\.4 a second, after 1,000 requests each: the upstream block's keepalive_requests/,
  );
  assert.match(churn.reading, /fill after 20\.7 s$/);
  // Held elsewhere, the same churn costs the proxy nothing.
  const reset = upstreamChurn({
    kind: 'haproxy',
    variant: 'plain',
    mode: 'http',
    upstreamClose: 'client',
    upstream: {
      connections: 10,
      requests: 10,
      byRemoteAddress: {},
      byLocalAddress: {},
      ended: { connections: 10, requests: 10, maxRequests: 1 },
    },
    durationSec: 1,
    model,
  });
  assert.equal(reset.exhaustionSec, null);
  assert.match(reset.reading, /each with an RST, so no TIME_WAIT/);
  assert.equal(timeWaitHolder('nginx', 'plain', 'http', 'server'), 'upstream');
  assert.equal(timeWaitHolder('haproxy', 'nolinger', 'tcp', 'client'), 'nobody');
  assert.equal(timeWaitHolder('haproxy', 'plain', 'tcp', 'client'), 'proxy');
});

test('planProxy: a variant one proxy lacks is skipped with why; one none has, or an unknown kind, exits before traffic', async () => {
  const plan = await planProxy({ kind: 'nginx,haproxy', variants: 'plain,ports', profile: 'host' });
  assert.deepEqual(
    plan.specs.map((s) => [s.kind, s.variant, s.mode]),
    [
      ['nginx', 'plain', 'http'],
      ['haproxy', 'plain', 'tcp'],
      ['haproxy', 'ports', 'tcp'],
    ],
  );
  assert.deepEqual(
    plan.skipped.map((s) => [s.kind, s.variant]),
    [['nginx', 'ports']],
  );
  await assert.rejects(
    planProxy({ kind: 'nginx', variants: 'nolinger' }),
    (e: unknown) => e instanceof PlanError && /--variants 'nolinger': nginx: /.test(e.message),
  );
  await assert.rejects(
    planProxy({ kind: 'envoy' }),
    (e: unknown) => e instanceof PlanError && /--kind 'envoy' must be among nginx, haproxy/.test(e.message),
  );
  await assert.rejects(planProxy({ kind: 'haproxy', haproxyMode: 'udp' as 'tcp' }), /--haproxy-mode must be 'tcp' or 'http'/);
});

test('a stored result of the old portchurn nginx reads as a proxy result of nginx', () => {
  const client = { totals: {}, latency: {} };
  const old = {
    schema: 'portchurn/result@1',
    kind: 'nginx',
    profile: 'narrow',
    variants: [{ variant: 'plain', config: 'x', upstream: {}, client, errorLog: { byErrno: {}, other: 0, example: null } }],
  };
  const read = validateResult('old.json', old);
  assert.equal(read.kind, 'proxy');
  if (read.kind !== 'proxy') return;
  assert.deepEqual(read.kinds, ['nginx']);
  assert.deepEqual(
    read.variants.map((v) => [v.kind, v.variant, v.mode, v.counters, v.churn]),
    [['nginx', 'plain', 'http', null, null]],
  );
});

test('the proxy reports are rendered from a stored result alone: the table, the readings, the counters, the configuration', () => {
  const result = validateResult('proxy-result.json', JSON.parse(fixture('proxy-result.json')));
  assert.equal(result.kind, 'proxy');
  if (result.kind !== 'proxy') return;
  const summary = renderProxySummary(result);
  assert.match(summary, /^ {2}haproxy plain \(http\)\s+[\d,.]+\s+none\s+none\s+6,000\s+1\s+not port-bound\s+0\s+–$/m);
  assert.match(summary, /haproxy plain \(http\): 6,000 upstream connections ended \(1 request each\).*each with an RST, so no TIME_WAIT/);
  const md = renderProxyMarkdown(result);
  assert.match(md, /^## haproxy nolinger \(http\)$/m);
  assert.match(md, /```haproxy\n# portchurn proxy scenario: haproxy, variant nolinger \(http mode\)/);
  assert.match(md, /^\| up1 \| 6,000 \| 6,000 \| 0 \| 0 \| 0 \| 0 \| 2xx 6,000 \|$/m);
  const html = renderProxyHtml(result, { uplotJs: '', uplotCss: '' });
  assert.ok(html.includes('<h2>haproxy plain (http)</h2>'));
  assert.ok(!html.includes('<script>alert'), 'configuration text is escaped');
});
