// A proxy's life across the process boundary: its own error reaches the caller as a ProxyError
// from inside the namespace child, and a CLI killed mid-variant leaves no nginx behind (the
// namespace child kills its proxy's process group and removes its prefix as it ends).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProxyError } from '../../src/errors.js';
import { proxyScenario } from '../../src/proxy/scenario.js';
import { freePort } from '../../src/env/free-port.js';
import { findProxy } from '../../src/proxy/proxy-process.js';
import { NGINX_PREFIX_DIRS, startNginx } from '../../src/proxy/nginx/process.js';
import { renderNginxConfig } from '../../src/proxy/nginx/config.js';
import { startHaproxy } from '../../src/proxy/haproxy/process.js';
import { renderHaproxyConfig } from '../../src/proxy/haproxy/config.js';
import { BIN } from '../helpers/cli.js';
import { pollUntil } from '../helpers/events.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { ourProxies, prefixesLeft, proxyInstalled } from '../helpers/proxies.js';

test("a proxy's own error crosses the namespace boundary as a ProxyError with its words", async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  // /bin/false stands in for a proxy binary that fails at once: the error is raised in the namespace child.
  await assert.rejects(
    proxyScenario({ kind: 'nginx', nginxBin: '/bin/false', variants: 'plain', requests: 10 }),
    (e: unknown) => e instanceof ProxyError && /^nginx (rejected its configuration|exited with status 1)/.test(e.message),
  );
});

test('the CLI killed mid-variant: nginx and its prefix go with the namespace child', async (t) => {
  if (!prerequisite(t, proxyInstalled('nginx'), 'needs nginx (apt-get install nginx-light)')) return;
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  const before = new Set(ourProxies('nginx'));
  const prefixesBefore = new Set(prefixesLeft('nginx'));
  const out = await mkdtemp(join(tmpdir(), 'portchurn-orphan-'));
  // Bounded: 30 s at most if nothing below worked.
  const cli = spawn(process.execPath, [BIN, 'proxy', '--kind', 'nginx', '--variants', 'plain', '-d', '30s', '--quiet', '--out', out], {
    stdio: 'ignore',
  });
  try {
    await pollUntil('nginx started by the scenario', 30_000, () => ourProxies('nginx').some((pid) => !before.has(pid)));
    cli.kill('SIGKILL');
    await pollUntil('no nginx of the scenario left', 15_000, () => ourProxies('nginx').every((pid) => before.has(pid)));
    await pollUntil('its prefix removed', 5_000, () => prefixesLeft('nginx').every((p) => prefixesBefore.has(p)));
  } finally {
    if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
    await rm(out, { recursive: true, force: true });
  }
});

test('a prefix with a space in its path: nginx and HAProxy take their generated configurations and start', async (t) => {
  for (const kind of ['nginx', 'haproxy'] as const) {
    if (!prerequisite(t, proxyInstalled(kind), `needs ${kind} (apt-get install ${kind === 'nginx' ? 'nginx-light' : 'haproxy'})`)) return;
    const prefix = await mkdtemp(join(tmpdir(), `portchurn-${kind}- with space `));
    try {
      for (const dir of NGINX_PREFIX_DIRS) await mkdir(join(prefix, dir), { recursive: true });
      const port = await freePort();
      const common = { variant: 'plain' as const, prefix, listenPort: port, upstream: { host: '127.0.0.1', port: 9 }, splitSources: [] };
      const proxy =
        kind === 'nginx'
          ? await startNginx(
              findProxy('nginx'),
              prefix,
              renderNginxConfig({ ...common, splitKey: '$request_id', keepaliveConnections: 1 }),
              port,
            )
          : await startHaproxy(
              findProxy('haproxy'),
              prefix,
              renderHaproxyConfig({ ...common, mode: 'tcp', source: '127.0.0.1', portRange: { low: 40000, high: 40010 } }),
              port,
            );
      await proxy.stop();
      assert.equal(proxy.exit(), null, `${kind} ran until stopped`);
    } finally {
      await rm(prefix, { recursive: true, force: true });
    }
  }
});

test('a process that exits without stopping its proxy takes the proxy and its prefix with it', async (t) => {
  if (!prerequisite(t, proxyInstalled('nginx'), 'needs nginx (apt-get install nginx-light)')) return;
  // As the namespace child does when its parent died and its 2 s ran out: process.exit() with nginx
  // still running and its prefix still there; the exit hook must end both.
  const dist = fileURLToPath(new URL('../../src/proxy/', import.meta.url));
  const script = `
    import { startNginx, NGINX_PREFIX_DIRS } from ${JSON.stringify(join(dist, 'nginx/process.js'))};
    import { renderNginxConfig } from ${JSON.stringify(join(dist, 'nginx/config.js'))};
    import { findProxy, makePrefix } from ${JSON.stringify(join(dist, 'proxy-process.js'))};
    const prefix = await makePrefix('nginx', NGINX_PREFIX_DIRS);
    const port = ${await freePort()};
    const config = renderNginxConfig({ variant: 'plain', prefix, listenPort: port, upstream: { host: '127.0.0.1', port: 9 }, splitSources: [], splitKey: '$request_id', keepaliveConnections: 1 });
    const nginx = await startNginx(findProxy('nginx'), prefix, config, port);
    process.stdout.write(JSON.stringify({ pid: nginx.pid, prefix }));
    process.exit(0);
  `;
  const ran = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(ran.status, 0, ran.stderr);
  const { pid, prefix } = JSON.parse(ran.stdout) as { pid: number; prefix: string };
  try {
    await pollUntil(
      `nginx ${pid} gone`,
      5_000,
      () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '),
    );
    assert.equal(existsSync(prefix), false, 'its prefix was removed');
  } finally {
    // Only if the behaviour broke: end what the script started, by its pid.
    if (existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(prefix)) process.kill(pid, 'SIGKILL');
    await rm(prefix, { recursive: true, force: true });
  }
});
