import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderNginxConfig, splitShares, type NginxConfigInput } from '../../src/proxy/nginx/config.js';
import { countErrorLog } from '../../src/proxy/nginx/error-log.js';

const base: NginxConfigInput = {
  variant: 'plain',
  prefix: '/tmp/p',
  listenPort: 8080,
  upstream: { host: '127.0.0.1', port: 9000 },
  splitSources: ['127.0.1.1', '127.0.1.2', '127.0.1.3'],
  splitKey: '$remote_addr$remote_port',
  keepaliveConnections: 32,
};

test('plain: nginx defaults, everything in the private prefix', () => {
  const conf = renderNginxConfig(base);
  assert.match(conf, /pid "\/tmp\/p\/nginx\.pid";/);
  assert.match(conf, /error_log "\/tmp\/p\/logs\/error\.log" error;/);
  assert.match(conf, /proxy_temp_path "\/tmp\/p\/temp\/proxy";/);
  assert.match(conf, /server 127\.0\.0\.1:9000;/);
  assert.match(conf, /listen 127\.0\.0\.1:8080;/);
  assert.ok(!/proxy_bind|keepalive \d|proxy_http_version/.test(conf));
});

test('split: split_clients over the sources with proxy_bind; shares add up', () => {
  const conf = renderNginxConfig({ ...base, variant: 'split' });
  assert.match(conf, /split_clients "\$remote_addr\$remote_port" \$split_ip \{/);
  assert.match(conf, /proxy_bind \$split_ip;/);
  assert.deepEqual(splitShares(['a', 'b', 'c']), ['        33.33%  a;', '        33.33%  b;', '        *       c;']);
  assert.deepEqual(
    splitShares(['a', 'b', 'c', 'd']).map((l) => l.trim()),
    ['25%  a;', '25%  b;', '25%  c;', '*       d;'],
  );
  assert.match(renderNginxConfig({ ...base, variant: 'split', splitKey: '$request_id' }), /split_clients "\$request_id"/);
});

test('keepalive: an upstream pool, HTTP/1.1 and an empty Connection header', () => {
  const conf = renderNginxConfig({ ...base, variant: 'keepalive' });
  assert.match(conf, /keepalive 32;/);
  assert.match(conf, /proxy_http_version 1\.1;/);
  assert.match(conf, /proxy_set_header Connection "";/);
});

test('the error log is counted by errno', () => {
  const log = [
    '2026/11/26 08:00:00 [crit] 12#12: *5 connect() to 127.0.0.1:9000 failed (99: Cannot assign requested address) while connecting to upstream, client: 127.0.0.1',
    '2026/11/26 08:00:00 [crit] 12#12: *6 connect() to 127.0.0.1:9000 failed (99: Cannot assign requested address) while connecting to upstream, client: 127.0.0.1',
    '2026/11/26 08:00:01 [error] 12#12: *7 connect() failed (111: Connection refused) while connecting to upstream',
    '2026/11/26 08:00:02 [alert] 12#12: something else',
    '',
  ].join('\n');
  const counts = countErrorLog(log);
  assert.deepEqual(counts.byErrno, { '99': 2, '111': 1 });
  assert.equal(counts.other, 1);
  assert.match(counts.example!, /\(99: Cannot assign requested address\) while connecting to upstream/);
});

test("keepalive-tuned: the upstream block's own keepalive_requests and keepalive_time raised; keepalive keeps nginx's defaults", () => {
  const upstreamBlock = (conf: string): string => /upstream backend \{([^}]*)\}/.exec(conf)![1]!;
  const tuned = upstreamBlock(renderNginxConfig({ ...base, variant: 'keepalive-tuned' }));
  assert.match(tuned, /keepalive 32;/);
  assert.match(tuned, /keepalive_requests 1000000;/);
  assert.match(tuned, /keepalive_time 1d;/);
  const plainKeepalive = upstreamBlock(renderNginxConfig({ ...base, variant: 'keepalive' }));
  assert.ok(!/keepalive_requests|keepalive_time/.test(plainKeepalive), plainKeepalive);
});

test('paths are quoted with " and \\ escaped, so a prefix with a space, a quote or a ; stays one word', () => {
  const conf = renderNginxConfig({ ...base, prefix: '/tmp/my runs/a"b;c\\d' });
  assert.match(conf, /^pid "\/tmp\/my runs\/a\\"b;c\\\\d\/nginx\.pid";$/m);
});
