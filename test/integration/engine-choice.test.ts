import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../../src/result/result.js';
import { runCli } from '../helpers/cli.js';
import { engineReady } from '../helpers/engines.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = mkdtempSync(join(tmpdir(), 'portchurn-engine-'));
after(() => rmSync(OUT, { recursive: true, force: true }));

test('auto runs the native engine where it is built; the result and the summary name it', async (t) => {
  if (!engineReady(t, 'native')) return;
  const out = await runCli(['run', '-n', '50', '-c', '2', '--out', OUT, '--json']);
  assert.equal(out.status, 0, out.stderr);
  assert.equal((JSON.parse(out.stdout) as RunResult).engine, 'native');
});

test('without the addon, auto falls back to the JavaScript engine and says why; --engine native and nobind refuse, exit 2', async () => {
  const off = { env: { PORTCHURN_NATIVE: 'off' } };
  const auto = await runCli(['run', '-n', '50', '-c', '2', '--out', OUT, '--json'], off);
  assert.equal(auto.status, 0, auto.stderr);
  const result = JSON.parse(auto.stdout) as RunResult;
  assert.equal(result.engine, 'js');
  assert.equal(result.totals.ok, 50);
  assert.ok(
    result.warnings.some((w) => /the native engine is switched off with PORTCHURN_NATIVE=off: the JavaScript engine ran/.test(w)),
    result.warnings.join('; '),
  );
  const native = await runCli(['run', '--engine', 'native', '-n', '5', '--out', OUT], off);
  assert.equal(native.status, 2);
  assert.match(native.stderr, /--engine native: the native engine is switched off/);
  const nobind = await runCli(['run', '--port-mode', 'nobind', '--sources', '1', '-n', '5', '--out', OUT], off);
  assert.equal(nobind.status, 2);
  assert.match(nobind.stderr, /--port-mode nobind needs the native engine/);
});

test('--engine native refuses what it cannot run (https, undici keepalive) before any traffic', async (t) => {
  if (!engineReady(t, 'native')) return;
  const keepalive = await runCli([
    'run',
    '--engine',
    'native',
    '--close',
    'keepalive',
    '--keepalive-client',
    'undici',
    '--sources',
    '1',
    '-n',
    '5',
    '--out',
    OUT,
  ]);
  assert.equal(keepalive.status, 2);
  assert.match(keepalive.stderr, /--engine native: the native engine cannot run this: it is not undici/);
  // Port 9 (discard) has nothing listening: a refusal after any traffic would fail differently.
  const https = await runCli(['run', '--engine', 'native', '--target', 'https://127.0.0.1:9/', '-n', '5', '--out', OUT]);
  assert.equal(https.status, 2);
  assert.match(https.stderr, /--engine native: the native engine cannot run this: it has no TLS/);
});

test('a native build that fails never fails npm install: one line says why', () => {
  const out = spawnSync(process.execPath, [ROOT + 'scripts/build-native.mjs'], {
    cwd: ROOT,
    env: { ...process.env, npm_config_node_gyp: ROOT + 'no/such/node-gyp.js' },
    encoding: 'utf8',
  });
  assert.equal(out.status, 0);
  const lines = out.stderr.trim().split('\n');
  assert.equal(lines.length, 1, out.stderr);
  assert.match(lines[0]!, /^portchurn: the native engine was not built \(.+\); the JavaScript engine will run/);
});
