import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorityOf, serializeRequest } from '../../src/engine/http-request.js';

const base = { method: 'GET', path: '/x?y=1', authority: '127.0.0.1:8080', headers: [] as [string, string][], body: null };

test('server close asks Connection: close; the other policies leave the connection persistent', () => {
  assert.equal(
    serializeRequest({ ...base, close: 'server' }).toString(),
    'GET /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: portchurn\r\nConnection: close\r\n\r\n',
  );
  for (const close of ['client', 'reset', 'keepalive'] as const) {
    assert.ok(
      !serializeRequest({ ...base, close })
        .toString()
        .includes('Connection'),
      close,
    );
  }
});

test('headers and a body are written with a Content-Length', () => {
  const text = serializeRequest({
    ...base,
    method: 'POST',
    headers: [
      ['Host', 'example.test'],
      ['X-A', '1'],
    ],
    body: 'héllo',
    close: 'client',
  }).toString();
  assert.equal(text, 'POST /x?y=1 HTTP/1.1\r\nUser-Agent: portchurn\r\nHost: example.test\r\nX-A: 1\r\nContent-Length: 6\r\n\r\nhéllo');
});

test('IPv6 authorities get brackets', () => {
  assert.equal(authorityOf('::1', 80), '[::1]:80');
  assert.equal(authorityOf('127.0.0.1', 80), '127.0.0.1:80');
});
