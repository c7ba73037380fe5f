import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { engineReady } from '../helpers/engines.js';
import { prerequisite } from '../helpers/prereq.js';

test('[native] a load in every port mode and close policy (keepalive too), a sock_diag count and dump, and the native target under load and hostile clients, under valgrind memcheck: no error', (t) => {
  if (!engineReady(t, 'native')) return;
  if (!prerequisite(t, spawnSync('valgrind', ['--version']).status === 0, 'needs valgrind (apt-get install valgrind)')) return;
  const script = fileURLToPath(new URL('../helpers/native-smoke.js', import.meta.url));
  const run = spawnSync('valgrind', ['--error-exitcode=9', '--leak-check=no', process.execPath, script], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(run.status, 0, run.stderr.split('\n').slice(-30).join('\n'));
  assert.match(run.stdout, /records 1000 failed 0/);
  assert.match(run.stdout, /sock_diag: ([1-9]\d*) client TIME_WAIT, \d+ sockets; dump: \1 of them/);
  assert.match(run.stdout, /target: 200 requests, 4 refused/);
  assert.match(run.stderr, /ERROR SUMMARY: 0 errors/);
});
