/**
 * A scene for `portchurn watch`, run as its own process inside a network namespace the test made
 * (`unshare -n`): it sets the namespace's port settings, listens on two destinations, holds a
 * listener and a bound-only socket inside the port range, and leaves TIME_WAIT towards each
 * destination at known counts. Then, by its first argument:
 *   library  watches once through the library with a fake clock, driving a known number of new
 *            connections during the "interval", and prints the sample as JSON;
 *   hold     prints {"ready":true}, drives new connections towards the first destination at a
 *            steady pace (bounded in count) and holds everything until stdin closes;
 *   still    the same without the new connections.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { release } from 'node:os';
import { once } from 'node:events';
import { loadNative } from '../../src/addon/addon.js';
import { watchPlanOf } from '../../src/plan/watch-plan.js';
import { chooseDumper } from '../../src/sampler/socket-dump.js';
import { readWatchSysctls, watchSockets } from '../../src/watch/watcher.js';
import type { WatchSample } from '../../src/result/watch-sample.js';
import { SCENE } from './watch-scene-spec.js';

function setSysctl(name: string, value: string): void {
  writeFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, value);
}

/** A server that closes only after the client did, so TIME_WAIT lands on the client. */
async function listen(host: string, port: number): Promise<Server> {
  const server = createServer((s) => {
    s.on('end', () => s.end());
    s.on('error', () => {});
    s.resume();
  });
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

/** `count` connections that the client closes first, `parallel` at a time; resolves when all are closed. */
async function churn(host: string, port: number, count: number, parallel = 25): Promise<void> {
  let started = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => socket.end());
      socket.on('error', reject);
      socket.on('close', () => resolve());
      socket.resume();
    });
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (started < count) {
        started++;
        await one();
      }
    }),
  );
}

async function main(): Promise<void> {
  // It writes sysctls: only ever in a namespace of its own, never the one it was started from.
  const outer = process.env.WATCH_SCENE_OUTER_NETNS;
  if (outer === undefined || readlinkSync('/proc/self/ns/net') === outer) {
    throw new Error('watch-scene runs only inside a private network namespace (unshare -n), given WATCH_SCENE_OUTER_NETNS');
  }
  const mode = process.argv[2];
  const via = (process.argv[3] ?? 'auto') as 'auto' | 'sock_diag' | 'proc';
  spawnSync('ip', ['link', 'set', 'lo', 'up']);
  setSysctl('net.ipv4.ip_local_port_range', SCENE.portRange);
  setSysctl('net.ipv4.ip_local_reserved_ports', SCENE.reserved);
  setSysctl('net.ipv4.tcp_tw_reuse', '0');
  const servers = await Promise.all(SCENE.destinations.map((d) => listen(d.host, d.port)));
  servers.push(await listen(SCENE.listenerInRange.host, SCENE.listenerInRange.port));
  // Node cannot bind a TCP socket without listening; python3 (node-gyp's) can.
  const bound = spawn('python3', [
    '-c',
    `import socket,sys\ns=socket.socket()\ns.bind(('${SCENE.boundOnly.host}',${SCENE.boundOnly.port}))\nprint('bound',flush=True)\nsys.stdin.read()`,
  ]);
  await once(bound.stdout, 'data');
  for (const d of SCENE.destinations) await churn(d.host, d.port, d.timeWait);
  const [first] = SCENE.destinations;

  if (mode === 'library') {
    let clockMs = 0;
    const native = loadNative();
    const samples: WatchSample[] = [];
    await watchSockets(
      watchPlanOf({ once: true, interval: `${SCENE.intervalMs}ms`, via }),
      {
        dumper: chooseDumper(native.addon, release(), via),
        readSysctls: readWatchSysctls,
        nowMs: () => clockMs,
        wallClock: () => new Date(Date.UTC(2026, 10, 26) + clockMs),
        // The interval: exactly `driven` new connections, then the fake clock moves on by it.
        sleep: async (ms) => {
          await churn(first.host, first.port, SCENE.driven);
          clockMs += ms;
        },
      },
      (s) => samples.push(s),
    );
    process.stdout.write(`${JSON.stringify(samples)}\n`);
  } else {
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    // A steady trickle towards the first destination: 5 connections every 100 ms, 400 at most (the
    // range holds 898); none in `still` mode, whose counts stay as they are.
    let driven = mode === 'still' ? 400 : 0;
    const timer = setInterval(() => {
      if (driven >= 400) return clearInterval(timer);
      driven += 5;
      void churn(first.host, first.port, 5);
    }, 100);
    process.stdin.resume();
    await once(process.stdin, 'end');
    clearInterval(timer);
  }
  bound.stdin.end();
  for (const s of servers) s.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
