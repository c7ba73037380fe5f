import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { test } from 'node:test';
import { BIN } from '../helpers/cli.js';
import { waitUntil } from '../helpers/events.js';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('portchurn serve answers, counts per address, and serves its stats', async () => {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--listen', '127.0.0.1:0,127.0.0.1:0', '--close', 'server', '--body-size', '5', '--duration', '20s', '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  try {
    await waitUntil(
      'serve to print both listening addresses',
      30_000,
      () => (stdout.match(/listening on/g) ?? []).length >= 2,
      (wake) => {
        child.stdout.on('data', wake);
        return () => child.stdout.off('data', wake);
      },
    );
    const urls = [...stdout.matchAll(/listening on (http:\S+)/g)].map((m) => m[1]!);
    assert.equal(urls.length, 2);
    const first = await get(urls[0]!);
    assert.deepEqual(first, { status: 200, body: 'ooooo', connection: 'close' });
    await get(urls[1]!);
    await get(urls[1]!);
    const stats = JSON.parse((await get(`${urls[0]}__portchurn/stats`)).body);
    assert.equal(stats.requests, 3);
    assert.deepEqual(stats.byRemoteAddress['127.0.0.1'], { connections: 4, requests: 3 });
    const local = urls.map((u) => new URL(u).host);
    assert.deepEqual(stats.byLocalAddress[local[1]!], { connections: 2, requests: 2 });
  } finally {
    child.kill('SIGINT');
  }
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(status, 0);
  assert.match(stdout, /"requests":3/);
});
