// A short load through the native addon alone (no portchurn runner), for valgrind to watch:
// every port mode and close policy against a server that answers a chunked response in two
// writes and closes, keepalive against one that keeps the connection, then the native target
// under the engine's load and hostile clients. Prints the counts; exits 1 if anything failed.
import { connect, createServer, type AddressInfo } from 'node:net';
import { loadNative } from '../../src/addon/addon.js';
import { ATTEMPT, I32_PER_RECORD } from '../../src/addon/abi.js';
import { pollUntil } from './events.js';
import { decodeSocketDump } from '../../src/sampler/socket-dump.js';
import { decodeConntrack } from '../../src/env/conntrack.js';

const native = loadNative();
if (!native.addon) throw new Error(`no native engine: ${native.reason}`);
const addon = native.addon;
const server = createServer((s) => {
  s.on('error', () => {});
  s.once('data', () => {
    s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    s.end('0\r\n\r\n');
  });
});
// Keepalive: every request answered on the same connection, which the server keeps open.
const keeping = createServer((s) => {
  s.on('error', () => {});
  s.on('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
await new Promise<void>((resolve) => keeping.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const keepPort = (keeping.address() as AddressInfo).port;
const request = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
const keepRequest = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
let records = 0;
let failed = 0;
const cases = [
  ['kernel', 'server', []],
  ['bind', 'client', ['127.0.0.2']],
  ['nobind', 'reset', ['127.0.0.3']],
  ['explicit', 'client', ['127.0.0.4']],
  ['bind', 'keepalive', ['127.0.0.5']],
] as const;
for (const [portMode, close, sources] of cases) {
  const keep = close === 'keepalive';
  const h = addon.start({
    destinations: [{ host: '127.0.0.1', port: keep ? keepPort : port }],
    sources,
    portMode,
    explicitPorts: portMode === 'explicit' ? { low: 61300, high: 61399 } : null,
    skipPorts: [],
    socketPortRange: null,
    request: keep ? keepRequest : request,
    http: true,
    expectBytes: 0,
    headRequest: false,
    timeCalls: true,
    close,
    connections: 4,
    ratePerSec: null,
    startMs: addon.nowMs(),
    durationMs: 60_000,
    maxAttempts: 200,
    timeoutMs: 30_000,
    graceMs: 2000,
  });
  // The loop announces nothing: drain it until it says it finished, failing after two minutes.
  await pollUntil(
    `the ${portMode} loop to finish`,
    120_000,
    () => {
      const d = addon.drain(h);
      if (d.records) {
        const i32 = new Int32Array(d.records);
        const count = i32.length / I32_PER_RECORD;
        for (let k = 0; k < count; k++) {
          const at = k * I32_PER_RECORD;
          if (i32[at + ATTEMPT.code] !== 0 || i32[at + ATTEMPT.status] !== 200) failed++;
        }
        records += count;
      }
      return d.finished && !d.records;
    },
    50,
  );
}
// The netlink socket counting too: the kernel's dump parsed while valgrind watches. The client
// closes of the bind case left their TIME_WAIT on 127.0.0.2.
const counts = addon.countSockets({
  sources: ['127.0.0.2'],
  destinations: [
    { host: '127.0.0.1', port },
    { host: '127.0.0.1', port: keepPort },
  ],
});
const timeWait = counts.client[6] ?? 0;
if (timeWait === 0 || counts.portsHeld[0] === 0) failed++;
// And the whole-namespace dump `portchurn watch` reads: the same TIME_WAIT, each with its timer.
const dumped = decodeSocketDump(addon.dumpSockets()).filter(
  (r) => r.state === 6 && r.source === '127.0.0.2' && (r.destinationPort === port || r.destinationPort === keepPort),
);
if (dumped.length !== timeWait || dumped.some((r) => r.timerMs <= 0 || r.timerMs > 60_000)) failed++;
server.close();
keeping.close();

// The native target under the same watch: two threads, the engine's load against it closing first
// (server) and keeping connections (client, keepalive), and hostile clients it must refuse.
let targetRequests = 0;
let refused = 0;
for (const [close, engineClose] of [
  ['server', 'server'],
  ['client', 'keepalive'],
] as const) {
  const target = addon.targetStart({
    listen: [{ host: '127.0.0.1', port: 0 }],
    threads: 2,
    close,
    protocol: 'http',
    delayMs: 0,
    bodyBytes: 100,
    headTimeoutMs: 2000,
    idleTimeoutMs: 60_000,
  });
  const h = addon.start({
    destinations: target.addresses,
    sources: [],
    portMode: 'kernel',
    explicitPorts: null,
    skipPorts: [],
    socketPortRange: null,
    request: engineClose === 'server' ? request : keepRequest,
    http: true,
    expectBytes: 0,
    headRequest: false,
    timeCalls: true,
    close: engineClose,
    connections: 4,
    ratePerSec: null,
    startMs: addon.nowMs(),
    durationMs: 60_000,
    maxAttempts: 100,
    timeoutMs: 30_000,
    graceMs: 2000,
  });
  await pollUntil(
    `the load on the ${close} target to finish`,
    120_000,
    () => {
      const d = addon.drain(h);
      if (d.records) {
        const i32 = new Int32Array(d.records);
        for (let k = 0; k < i32.length / I32_PER_RECORD; k++) if (i32[k * I32_PER_RECORD + ATTEMPT.status] !== 200) failed++;
      }
      return d.finished && !d.records;
    },
    50,
  );
  // A request line too long, then bytes that are not HTTP: each answered 400 and closed.
  for (const bad of [`GET /${'a'.repeat(10_000)} HTTP/1.1\r\n\r\n`, '\x16\x03\x01\x00\r\n\r\n']) {
    const socket = connect({ host: '127.0.0.1', port: target.addresses[0]!.port });
    socket.on('error', () => {});
    socket.resume(); // read what comes (the 400), so the target's FIN is seen and the socket closes
    socket.end(bad);
    await new Promise((resolve) => socket.once('close', resolve));
  }
  addon.targetStop(target.handle);
  const stats = JSON.parse(addon.targetStats(target.handle)) as { requests: number; refused: { tooLong: number; malformed: number } };
  targetRequests += stats.requests;
  refused += stats.refused.tooLong + stats.refused.malformed;
}
if (targetRequests !== 200 || refused !== 4) failed++;

// The port-search probe's timed calls (a few, on this namespace's range) and, where the test made a
// NAT router (PORTCHURN_SMOKE_CONNTRACK: its namespace path), its conntrack through ctnetlink, read
// three times from the handle's socket: the parsers and the counting table under the checker.
const probed = [addon.probePortSearch('connect', 100).byteLength / 4, addon.probePortSearch('bind', 100).byteLength / 4];
if (probed[0] !== 100 || probed[1] !== 100) failed++;
let natMappings = -1;
const routerPath = process.env['PORTCHURN_SMOKE_CONNTRACK'];
if (routerPath) {
  const { handle } = addon.netnsOpen(routerPath, []);
  for (let i = 0; i < 3; i++) natMappings = decodeConntrack(addon.netnsConntrack(handle)).natTotal;
  addon.netnsClose(handle);
}
process.stdout.write(`probe: ${probed[0]} connect, ${probed[1]} bind\nconntrack: ${natMappings} NAT mappings\n`);
process.stdout.write(
  `records ${records} failed ${failed}\nsock_diag: ${timeWait} client TIME_WAIT, ${counts.sockets} sockets; dump: ${dumped.length} of them\ntarget: ${targetRequests} requests, ${refused} refused\n`,
);
process.exit(failed === 0 ? 0 : 1);
