import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Socket } from 'node:net';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { startRecordingServer } from '../helpers/servers.js';
import { run } from '../../src/runner/run.js';

/** Responses whose end each engine must find by HTTP/1.1's rules, sent in awkward pieces. */
const SHAPES: [string, string[], { ok: number } | { error: string }][] = [
  ['Content-Length', ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel', 'lo'], { ok: 1 }],
  [
    'chunked with an extension and a trailer',
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n', '2\r\nde\r\n0\r\nX-T: 1\r\n\r\n'],
    { ok: 1 },
  ],
  ['header names in any case, lines split mid-way', ['HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:', ' 2\r\n\r', '\nok'], { ok: 1 }],
  ['204 has no body', ['HTTP/1.1 204 No Content\r\n\r\n'], { ok: 1 }],
  ['304 has no body whatever its Content-Length', ['HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n'], { ok: 0 }],
  ['an interim 100 Continue, then the response', ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx'], { ok: 1 }],
  [
    'a long header line is skipped, not kept',
    [`HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(20_000)}\r\nContent-Length: 1\r\n\r\nx`],
    { ok: 1 },
  ],
  ['not HTTP', ['SSH-2.0-OpenSSH\r\n'], { error: 'BAD_RESPONSE' }],
  ['a chunk size that is not hex', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'], { error: 'BAD_RESPONSE' }],
];

function serve(pieces: string[]): (socket: Socket) => void {
  return (socket) =>
    socket.once('data', () => {
      // Each piece in its own write, so the client reads them apart.
      const next = (i: number): void => {
        if (i >= pieces.length) return void socket.end();
        socket.write(pieces[i]!, () => setImmediate(() => next(i + 1)));
      };
      next(0);
    });
}

for (const engine of ENGINES) {
  test(`[${engine}] response framing: where each response shape ends`, async (t) => {
    if (!engineReady(t, engine)) return;
    for (const [name, pieces, expect] of SHAPES) {
      const server = await startRecordingServer(serve(pieces));
      try {
        const r = await run({
          engine,
          target: `http://127.0.0.1:${server.port}/`,
          requests: '3',
          connections: '1',
          close: 'server',
          timeout: '5s',
          sampleInterval: '0s',
        });
        assert.equal(r.engine, engine);
        if ('ok' in expect) {
          // 304 is a complete response but not a 2xx: counted as HTTP_3XX, with its status.
          if (expect.ok === 0) assert.deepEqual(r.totals.errors, { HTTP_3XX: 3 }, name);
          else assert.equal(r.totals.ok, 3, `${name}: ${JSON.stringify(r.totals.errors)}`);
        } else {
          assert.deepEqual(r.totals.errors, { [expect.error]: 3 }, name);
        }
      } finally {
        await server.close();
      }
    }
  });
}

test('[both] HEAD: a Content-Length with no body follows', async (t) => {
  for (const engine of ENGINES) {
    if (!engineReady(t, engine)) return;
    const server = await startRecordingServer(serve(['HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n']));
    try {
      const r = await run({
        engine,
        target: `http://127.0.0.1:${server.port}/`,
        method: 'HEAD',
        requests: '3',
        connections: '1',
        close: 'server',
        timeout: '5s',
        sampleInterval: '0s',
      });
      assert.equal(r.totals.ok, 3, `${engine}: ${JSON.stringify(r.totals.errors)}`);
    } finally {
      await server.close();
    }
  }
});
