import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseReader, type ReadState } from '../../src/engine/js/response-reader.js';

/** Feeds `text` split at every position pair and checks the state after each piece. */
function feedSplit(text: string, split: number[], head = false): { states: ReadState[]; reader: ResponseReader } {
  const reader = new ResponseReader(head);
  const bytes = Buffer.from(text, 'latin1');
  const cuts = [0, ...split, bytes.length];
  const states: ReadState[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    if (cuts[i] === cuts[i + 1]) continue;
    states.push(reader.push(bytes.subarray(cuts[i], cuts[i + 1])));
  }
  return { states, reader };
}

const LENGTH = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
const CHUNKED =
  'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\n';

test('Content-Length responses end at the last body byte, however they are split', () => {
  for (let a = 0; a <= LENGTH.length; a++) {
    const { states, reader } = feedSplit(LENGTH, [a]);
    assert.equal(states.at(-1), 'done', `split at ${a}`);
    assert.ok(states.slice(0, -1).every((s) => s === 'more'));
    assert.equal(reader.status, 200);
  }
});

test('chunked responses end after the trailer, however they are split', () => {
  for (let a = 0; a <= CHUNKED.length; a++) {
    for (let b = a; b <= CHUNKED.length; b += 7) {
      const { states, reader } = feedSplit(CHUNKED, [a, b]);
      assert.equal(states.at(-1), 'done', `split at ${a},${b}`);
      assert.ok(
        states.slice(0, -1).every((s) => s === 'more'),
        `split at ${a},${b}`,
      );
      assert.equal(reader.status, 201);
    }
  }
});

test('a response without framing ends when the server closes', () => {
  const reader = new ResponseReader();
  assert.equal(reader.push(Buffer.from('HTTP/1.0 200 OK\r\n\r\nbody bytes')), 'more');
  assert.equal(reader.endsAtClose, true);
  assert.equal(reader.end(), 'done');
});

test('a close before the end of a framed response is an error', () => {
  const reader = new ResponseReader();
  assert.equal(reader.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')), 'more');
  assert.equal(reader.end(), 'error');
});

test('interim 1xx responses are skipped; 204, 304 and HEAD have no body', () => {
  const r = new ResponseReader();
  assert.equal(r.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n')), 'done');
  assert.equal(r.status, 204);
  const head = new ResponseReader(true);
  assert.equal(head.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n')), 'done');
  assert.equal(new ResponseReader().push(Buffer.from('HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n')), 'done');
  const zero = new ResponseReader();
  assert.equal(zero.push(Buffer.from('HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n')), 'done');
  assert.equal(zero.status, 503);
});

test('garbage is an error, not a hang', () => {
  assert.equal(new ResponseReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), 'error');
  assert.equal(new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n')), 'error');
  assert.equal(new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')), 'error');
  assert.equal(new ResponseReader().push(Buffer.alloc(70 * 1024, 'a')), 'error');
});

test('a response that asks to close is marked so the connection is not reused', () => {
  const close = new ResponseReader();
  close.push(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(close.closeRequested, true);
  const keep = new ResponseReader();
  keep.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(keep.closeRequested, false);
  const old = new ResponseReader();
  old.push(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(old.closeRequested, true, 'HTTP/1.0 without keep-alive');
  const oldKeep = new ResponseReader();
  oldKeep.push(Buffer.from('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(oldKeep.closeRequested, false);
});
