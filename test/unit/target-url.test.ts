import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlanError } from '../../src/errors.js';
import { checkTargetAllowed, parseTarget } from '../../src/plan/target-url.js';

test('targets parse into protocol, host, port and path', () => {
  assert.deepEqual(parseTarget('http://127.0.0.1:8080/a?b=1'), {
    protocol: 'http',
    host: '127.0.0.1',
    port: 8080,
    path: '/a?b=1',
    family: 4,
    url: 'http://127.0.0.1:8080/a?b=1',
  });
  assert.equal(parseTarget('http://127.0.0.1/').port, 80);
  assert.equal(parseTarget('https://localhost/').port, 443);
  assert.equal(parseTarget('https://localhost/').family, null);
  const v6 = parseTarget('http://[::1]:9000/');
  assert.equal(v6.host, '::1');
  assert.equal(v6.family, 6);
  assert.equal(parseTarget('tcp://127.0.0.1:6379').protocol, 'tcp');
});

test('malformed targets are refused', () => {
  for (const text of ['127.0.0.1:80', 'ftp://127.0.0.1/', 'tcp://127.0.0.1', 'http://user:pw@127.0.0.1/', 'http://']) {
    assert.throws(() => parseTarget(text), PlanError, text);
  }
});

test('a non-loopback target is refused without --allow-remote', () => {
  for (const host of ['10.0.0.1', '192.0.2.7', '8.8.8.8', '2001:db8::1', '::ffff:10.1.1.1']) {
    assert.throws(() => checkTargetAllowed(host, false), /not a loopback address.*--allow-remote/, host);
    assert.doesNotThrow(() => checkTargetAllowed(host, true));
  }
  for (const host of ['127.0.0.1', '127.9.9.9', '::1', 'localhost']) assert.doesNotThrow(() => checkTargetAllowed(host, false), host);
});
