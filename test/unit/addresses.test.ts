import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlanError } from '../../src/errors.js';
import { canonicalAddress, isLoopback, MAX_SOURCES, parseSources } from '../../src/plan/addresses.js';

test('--sources expands counts, lists, ranges and CIDR blocks', () => {
  const table: [string, string | undefined, string[]][] = [
    ['1', undefined, ['127.0.0.1']],
    ['3', undefined, ['127.0.0.1', '127.0.0.2', '127.0.0.3']],
    ['2', '127.0.0.255', ['127.0.0.255', '127.0.1.0']],
    ['127.0.0.5,127.0.0.9', undefined, ['127.0.0.5', '127.0.0.9']],
    ['127.0.0.2-127.0.0.4', undefined, ['127.0.0.2', '127.0.0.3', '127.0.0.4']],
    ['127.0.1.0/30', undefined, ['127.0.1.0', '127.0.1.1', '127.0.1.2', '127.0.1.3']],
    ['127.0.1.7/30', undefined, ['127.0.1.4', '127.0.1.5', '127.0.1.6', '127.0.1.7']],
    ['127.0.0.1, 127.0.2.0/31 ,127.0.3.1-127.0.3.2', undefined, ['127.0.0.1', '127.0.2.0', '127.0.2.1', '127.0.3.1', '127.0.3.2']],
    ['::1', undefined, ['::1']],
    ['2', '::1', ['::1', '::2']],
    ['fd00::1-fd00::3', undefined, ['fd00::1', 'fd00::2', 'fd00::3']],
    ['fd00::/126', undefined, ['fd00::', 'fd00::1', 'fd00::2', 'fd00::3']],
    ['0:0:0:0:0:0:0:0001', undefined, ['::1']],
  ];
  for (const [spec, base, expected] of table) assert.deepEqual(parseSources(spec, base), expected, spec);
});

test('a /26 gives 64 addresses', () => {
  const list = parseSources('127.0.1.0/26');
  assert.equal(list.length, 64);
  assert.equal(list[63], '127.0.1.63');
});

test('malformed or unusable --sources specs are refused', () => {
  const bad = [
    '',
    '0',
    'abc',
    '127.0.0.300',
    '127.0.0.5-127.0.0.2',
    '127.0.0.1-::1',
    '127.0.0.0/33',
    '127.0.0.0/x',
    '127.0.0.1,::1',
    '127.0.0.1,127.0.0.1',
    '127.0.0.0/8',
    String(MAX_SOURCES + 1),
  ];
  for (const spec of bad)
    assert.throws(
      () => parseSources(spec),
      (e: unknown) => e instanceof PlanError && e.option === '--sources',
      spec,
    );
  assert.throws(() => parseSources('4', 'nonsense'), /--source-base/);
  assert.throws(() => parseSources('2', '255.255.255.255'), /past 255.255.255.255/);
});

test('loopback means 127/8, ::1 and mapped 127/8', () => {
  for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(a), true, a);
  for (const a of ['10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', 'fe80::1', 'localhost', '']) assert.equal(isLoopback(a), false, a);
});

test('addresses are canonicalised so counts keyed by address agree', () => {
  assert.equal(canonicalAddress('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalAddress('fd00:0:0:1:0:0:0:0'), 'fd00:0:0:1::');
  assert.equal(canonicalAddress('127.000.0.1'.replace('000', '0')), '127.0.0.1');
});
