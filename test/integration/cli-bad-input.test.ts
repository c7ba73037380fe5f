import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { prerequisite } from '../helpers/prereq.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { startRecordingServer, answerHttp } from '../helpers/servers.js';

/** Each bad input: the extra arguments and what the one-line message must say. */
const BAD_INPUTS: [string[], RegExp][] = [
  [['--sources', '127.0.0.300'], /--sources: '127.0.0.300' is not an address/],
  [['--sources', '127.0.0.9-127.0.0.2'], /ends before it starts/],
  [['--sources', '127.0.1.0/33'], /not a CIDR block/],
  [['--sources', '198.51.100.77'], /source address 198.51.100.77 cannot be bound on this host \(EADDRNOTAVAIL\)/],
  [['--sources', '4', '--port-mode', 'kernel'], /kernel does not bind/],
  [['--connections', '0'], /--connections must be a positive whole number/],
  [['--connections', 'lots'], /--connections must be a positive whole number/],
  [['--rate', '-1'], /--rate must be a positive number/],
  [['--duration', '10parsecs'], /unknown unit 'parsecs'/],
  [['--duration', '10'], /needs a unit/],
  [['--rate', '100', '--connections', '10'], /exclude each other/],
  [['--header', 'X-Evil: 1\r\nHost: other'], /CR, LF/],
  [['--close', 'sometimes'], /Invalid values/],
  [['--no-such-option'], /Unknown argument/],
  [['--netns', '--sysctl', 'net.ipv4.ip_local_port_range=41000 40000'], /the range is reversed/],
  [['--netns', '--sysctl', 'net.ipv4.ip_local_port_range=40000 40000'], /at least 2 ports/],
  [['--netns', '--sysctl', 'net.ipv4.tcp_fin_timeout=5'], /not a setting portchurn sets in a namespace/],
  [['--netns', '--sysctl', 'net.ipv4.tcp_tw_reuse=3'], /from 0 to 2/],
  [
    ['--sysctl', 'net.ipv4.tcp_tw_reuse=0'],
    /--sysctl is written inside a namespace, and a --target outside portchurn runs on the host: portchurn never writes the host's own settings/,
  ],
  [['--netns'], /--netns runs in a fresh network namespace, where a --target outside portchurn cannot be reached/],
  [['--netns', '--profile', 'fastest'], /--profile 'fastest' is not known/],
];

test('every bad input exits 2 with a one-line message and sends nothing', async () => {
  const server = await startRecordingServer(answerHttp);
  try {
    for (const [args, message] of BAD_INPUTS) {
      const out = await runCli(['run', '--target', `http://127.0.0.1:${server.port}/`, '-n', '10', ...args]);
      assert.equal(out.status, 2, `${args.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, message, args.join(' '));
      assert.match(out.stderr, /^portchurn: /);
      assert.equal(out.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${out.stderr}`);
      assert.equal(out.stdout, '');
    }
    assert.equal(server.accepted.length, 0, 'no connection reached the target');
  } finally {
    await server.close();
  }
});

test('a namespace that cannot be made is a clear error, exit 2', async () => {
  const out = await runCli(['run', '--netns', '-n', '1'], { env: { PATH: '/nonexistent' } });
  assert.equal(out.status, 2, out.stderr);
  assert.match(out.stderr, /--netns needs the unshare command/);
});

test('a target outside loopback is refused without --allow-remote (inside unshare -n, where only loopback exists)', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n to run the CLI in an empty network namespace')) return;
  for (const target of ['http://192.0.2.10/', 'tcp://10.9.9.9:80', 'http://[2001:db8::1]/']) {
    const out = await runCli(['run', '--target', target, '-n', '1'], { wrapper: ['unshare', '-n'] });
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, /is not a loopback address.*--allow-remote/);
  }
});

test('loopback sources towards a name that resolves outside loopback: exit 2 before any traffic', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n to run the CLI in an empty network namespace')) return;
  // A name is known to be remote only once it resolves: a private mount namespace gives this run
  // its own /etc/hosts, where `far-target` is 192.0.2.10; the host's file is not touched.
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-hosts-'));
  try {
    await writeFile(join(dir, 'hosts'), '192.0.2.10 far-target\n');
    const wrapper = ['unshare', '-n', '-m', 'sh', '-c', `mount --bind ${join(dir, 'hosts')} /etc/hosts && exec "$@"`, 'sh'];
    const args = ['run', '--target', 'http://far-target/', '--allow-remote', '--sources', '4', '-n', '1'];
    const out = await runCli(args, { wrapper });
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, /127\.0\.0\.1 is a loopback address and cannot reach 192\.0\.2\.10/);
    const literal = await runCli(['run', '--target', 'http://192.0.2.10/', '--allow-remote', '--sources', '4', '-n', '1'], {
      wrapper: ['unshare', '-n'],
    });
    assert.equal(literal.status, 2, literal.stderr);
    assert.match(literal.stderr, /cannot reach 192\.0\.2\.10/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
