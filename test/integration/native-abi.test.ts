import assert from 'node:assert/strict';
import { test } from 'node:test';
import { abiMismatch, NATIVE_ABI, type BuiltAbi } from '../../src/addon/abi.js';
import { loadNative, type NativeAddon } from '../../src/addon/addon.js';
import { checkNativeConfig, type NativeConfig } from '../../src/addon/configs.js';
import { engineReady } from '../helpers/engines.js';

function addonOrSkip(t: Parameters<typeof engineReady>[0]): NativeAddon | null {
  if (!engineReady(t, 'native')) return null;
  return loadNative().addon;
}

test('[native] the built addon reports the layout abi.json states; a layout that differs in one offset, size, field or version is refused with the difference named', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  assert.equal(abiMismatch(addon.abi), null);
  const built = structuredClone(addon.abi) as BuiltAbi & {
    records: Record<string, { bytes: number; fields: Record<string, { offset: number }> }>;
  };
  const moved = structuredClone(built);
  moved.records.attempt!.fields.code!.offset = 52;
  assert.equal(abiMismatch(moved), 'its attempt record has code at byte 52, abi.json says 48');
  const socket = structuredClone(built);
  socket.records.socket!.fields.timerMs!.offset = 12;
  assert.equal(abiMismatch(socket), 'its socket record has timerMs at byte 12, abi.json says 8');
  const size = structuredClone(built);
  size.records.attempt!.bytes = 80;
  assert.equal(abiMismatch(size), 'its attempt record is 80 bytes, abi.json says 72');
  assert.match(abiMismatch({ ...built, version: NATIVE_ABI.version - 1 })!, /built for layout version \d+, this code reads version \d+/);
  assert.match(abiMismatch({ ...built, config: [...built.config, 'sourceOffset'] })!, /configuration fields .*sourceOffset/);
  assert.match(abiMismatch({ ...built, drain: built.drain.slice(1) })!, /its drain gives/);
  assert.match(abiMismatch(undefined)!, /exports no layout/);
});

/** A configuration both sides accept: one attempt's worth of nothing (no attempts, no time). */
function goodConfig(addon: NativeAddon): NativeConfig {
  return {
    destinations: [{ host: '127.0.0.1', port: 9 }],
    sources: [],
    portMode: 'kernel',
    explicitPorts: null,
    skipPorts: [],
    socketPortRange: null,
    request: Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    http: true,
    expectBytes: 0,
    headRequest: false,
    timeCalls: true,
    close: 'client',
    connections: 1,
    ratePerSec: null,
    startMs: addon.nowMs(),
    durationMs: 0,
    maxAttempts: 0,
    timeoutMs: 1000,
    graceMs: 0,
  };
}

// Each bad value, the error class both sides throw, and the words naming the field.
const BAD: [string, Record<string, unknown>, 'TypeError' | 'RangeError', RegExp][] = [
  ['NaN connections', { connections: NaN }, 'RangeError', /^native config: connections must be an integer from 1 to 1000000, not NaN$/],
  [
    'infinite timeout',
    { timeoutMs: Infinity },
    'RangeError',
    /^native config: timeoutMs must be a number from 1 to 2147483647, not Infinity$/,
  ],
  ['-Infinity grace', { graceMs: -Infinity }, 'RangeError', /^native config: graceMs must be .* not -Infinity$/],
  [
    'negative count',
    { maxAttempts: -1 },
    'RangeError',
    /^native config: maxAttempts must be an integer from 0 to 9007199254740991, not -1$/,
  ],
  ['fractional count', { connections: 2.5 }, 'RangeError', /connections must be an integer .* not 2\.5$/],
  ['NaN duration', { durationMs: NaN }, 'RangeError', /durationMs must be a number .* not NaN$/],
  ['a string for a number', { connections: '64' }, 'TypeError', /^native config: connections must be a number$/],
  ['a number for a boolean', { http: 1 }, 'TypeError', /^native config: http must be a boolean$/],
  ['null where null is not allowed', { timeoutMs: null }, 'TypeError', /^native config: timeoutMs must be set \(null is not allowed\)$/],
  ['an unknown port mode', { portMode: 'fast' }, 'TypeError', /^native config: portMode must be one of kernel, bind, nobind, explicit$/],
  [
    'a port out of range',
    { destinations: [{ host: '127.0.0.1', port: 70000 }] },
    'RangeError',
    /destinations\[0\]\.port must be an integer from 1 to 65535/,
  ],
  ['a NaN port', { destinations: [{ host: '127.0.0.1', port: NaN }] }, 'RangeError', /destinations\[0\]\.port .* not NaN$/],
  [
    'a host that is not an address',
    { destinations: [{ host: 'localhost', port: 80 }] },
    'TypeError',
    /destinations\[0\]\.host must be an IP address literal/,
  ],
  ['no destinations', { destinations: [] }, 'RangeError', /destinations must have from 1 to 4096 entries, not 0/],
  ['a request that is a string', { request: 'GET /' }, 'TypeError', /^native config: request must be a Buffer or null$/],
  ['a skip port out of range', { skipPorts: [1, 65536] }, 'RangeError', /skipPorts\[1\] must be an integer from 0 to 65535/],
  [
    'a range upside down',
    { portMode: 'explicit', sources: ['127.0.0.1'], explicitPorts: { low: 5000, high: 4000 } },
    'RangeError',
    /explicitPorts\.low must not be above explicitPorts\.high/,
  ],
  ['sources in kernel mode', { sources: ['127.0.0.1'] }, 'TypeError', /sources must be empty with portMode kernel/],
  [
    'explicit without ports',
    { portMode: 'explicit', sources: ['127.0.0.1'] },
    'TypeError',
    /explicitPorts must be \{ low, high \} with portMode explicit/,
  ],
  ['keepalive over raw TCP', { close: 'keepalive', http: false }, 'TypeError', /close must be client, server or reset when http is false/],
  ['a field nobody reads', { sourceOffset: 3 }, 'TypeError', /^native config: unknown field sourceOffset$/],
];

test('[native] a bad configuration is refused the same way by TypeScript and by C: the error class and words naming the field', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const good = goodConfig(addon);
  checkNativeConfig(good);
  addon.stop(addon.start(good));
  for (const [what, patch, kind, words] of BAD) {
    const config = { ...good, ...patch };
    const fromTs = (() => {
      try {
        checkNativeConfig(config);
      } catch (error) {
        return error as Error;
      }
      return null;
    })();
    const fromC = (() => {
      try {
        addon.stop(addon.start(config as unknown as NativeConfig));
      } catch (error) {
        return error as Error;
      }
      return null;
    })();
    assert.ok(fromTs && fromC, `${what}: refused by ${fromTs ? '' : 'not '}TypeScript and ${fromC ? '' : 'not '}C`);
    assert.equal(fromTs.name, kind, `${what} (TypeScript)`);
    assert.equal(fromC.name, kind, `${what} (C)`);
    assert.match(fromTs.message, words, what);
    assert.equal(fromC.message, fromTs.message, what);
  }
  const { graceMs: _dropped, ...missing } = good;
  assert.throws(() => addon.start(missing as unknown as NativeConfig), {
    name: 'TypeError',
    message: 'native config: graceMs must be given (it is missing)',
  });
  assert.throws(() => checkNativeConfig(missing), { name: 'TypeError', message: 'native config: graceMs must be given (it is missing)' });
});

test('[native] a drain gives exactly the fields abi.json names', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const handle = addon.start(goodConfig(addon));
  const drained = addon.drain(handle);
  addon.stop(handle);
  assert.deepEqual(Object.keys(drained), NATIVE_ABI.drain.fields);
  assert.equal(drained.lostRecords, 0);
});

test('[native] a handle of one kind where another is expected, or a closed namespace, is refused with a TypeError, never cast', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const loop = addon.start(goodConfig(addon));
  const target = addon.targetStart({
    listen: [{ host: '127.0.0.1', port: 0 }],
    threads: 1,
    close: 'server',
    protocol: 'http',
    delayMs: 0,
    bodyBytes: 2,
    headTimeoutMs: 1000,
    idleTimeoutMs: 1000,
  });
  try {
    const wrong = (call: () => unknown, kind: string): void =>
      assert.throws(call, (e: unknown) => e instanceof TypeError && e.message === `expected a native ${kind} handle`);
    // Each call given the other kind, and things that are no handle at all.
    wrong(() => addon.drain(target.handle), 'loop');
    wrong(() => addon.stop(target.handle), 'loop');
    wrong(() => addon.targetStats(loop), 'target');
    wrong(() => addon.targetStop(loop), 'target');
    wrong(() => addon.netnsDump(loop), 'namespace');
    wrong(() => addon.netnsRead(target.handle, 0), 'namespace');
    wrong(() => addon.netnsClose(target.handle), 'namespace');
    wrong(() => addon.drain({}), 'loop');
    wrong(() => addon.targetStats(null as unknown as object), 'target');
    // The right kinds still work.
    assert.equal(typeof addon.targetStats(target.handle), 'string');
    assert.ok('attempts' in addon.drain(loop));
    if (process.getuid?.() === 0) {
      const ns = addon.netnsOpen('/proc/self/ns/net', ['/proc/sys/net/ipv4/ip_local_port_range']);
      assert.match(addon.netnsRead(ns.handle, 0) ?? '', /^\d+\s+\d+/);
      addon.netnsClose(ns.handle);
      for (const call of [() => addon.netnsRead(ns.handle, 0), () => addon.netnsDump(ns.handle)])
        assert.throws(call, (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENETNS' || /was closed/.test((e as Error).message));
    }
  } finally {
    addon.stop(loop);
    addon.targetStop(target.handle);
  }
});
