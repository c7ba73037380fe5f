import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../../src/result/result.js';
import { runCli } from '../helpers/cli.js';
import { CAN_UNSHARE, namespaceWrapper } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';

// A 1,000-port range with no TIME_WAIT reuse, in a namespace of the test's own.
const NARROW = { 'net.ipv4.ip_local_port_range': '40000 40999', 'net.ipv4.tcp_tw_reuse': '0' };

async function runInNamespace(args: string[]): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-ns-'));
  try {
    const out = await runCli(['run', ...args, '--close', 'client', '-c', '16', '--out', dir, '--json'], { wrapper: namespaceWrapper(NARROW) });
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout) as RunResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('exhaustion shows as EADDRNOTAVAIL in kernel mode and EADDRINUSE in bind mode (1,000-port namespace)', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for a private network namespace')) return;

  const kernel = await runInNamespace(['-n', '3000']);
  assert.equal(kernel.environment.sysctls['net.ipv4.ip_local_port_range'], '40000 40999', 'the settings were read inside the namespace');
  assert.equal(kernel.environment.sysctls['net.ipv4.tcp_tw_reuse'], '0');
  // The built-in target's own listening port comes from the same range, so 999 or 1,000.
  assert.ok(kernel.totals.ok >= 990 && kernel.totals.ok <= 1000, `kernel mode: ${kernel.totals.ok} ok`);
  assert.deepEqual(Object.keys(kernel.totals.errors), ['EADDRNOTAVAIL']);
  assert.equal(kernel.totals.errors.EADDRNOTAVAIL, 3000 - kernel.totals.ok);

  const bind = await runInNamespace(['-n', '3000', '--sources', '127.0.0.2']);
  assert.ok(bind.totals.ok >= 990 && bind.totals.ok <= 1000, `bind, one source: ${bind.totals.ok} ok`);
  assert.deepEqual(Object.keys(bind.totals.errors), ['EADDRINUSE']);

  const four = await runInNamespace(['-n', '6000', '--sources', '127.0.1.1-127.0.1.4']);
  assert.ok(four.totals.ok >= 3960 && four.totals.ok <= 4000, `bind, four sources: ${four.totals.ok} ok`);
  assert.deepEqual(Object.keys(four.totals.errors), ['EADDRINUSE']);
  for (const source of four.sources) assert.ok(source.ok >= 990 && source.ok <= 1000, `${source.address}: ${source.ok}`);
});
