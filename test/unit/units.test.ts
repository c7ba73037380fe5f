import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlanError } from '../../src/errors.js';
import { parseBytes, parseDurationMs, parsePositiveInt, parsePositiveNumber } from '../../src/plan/units.js';

test('durations parse with their unit', () => {
  const table: [string, number][] = [
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    [' 3S ', 3000],
  ];
  for (const [text, ms] of table) assert.equal(parseDurationMs('--duration', text), ms, text);
});

test('durations without a known unit are refused with the option named', () => {
  for (const text of ['10', '10x', 'ten seconds', '', '-5s', '1e3s']) {
    assert.throws(
      () => parseDurationMs('--duration', text),
      (e: unknown) => e instanceof PlanError && e.option === '--duration' && e.message.includes('--duration'),
      text,
    );
  }
  assert.throws(() => parseDurationMs('--duration', '10'), /needs a unit/);
  assert.throws(() => parseDurationMs('--duration', '10x'), /unknown unit 'x'/);
});

test('byte sizes parse with binary multiples', () => {
  assert.equal(parseBytes('--body-size', '2'), 2);
  assert.equal(parseBytes('--body-size', '4k'), 4096);
  assert.equal(parseBytes('--body-size', '1mb'), 1024 * 1024);
  assert.throws(() => parseBytes('--body-size', '1.5k'), PlanError);
  assert.throws(() => parseBytes('--body-size', 'big'), PlanError);
});

test('counts and rates must be positive', () => {
  assert.equal(parsePositiveInt('--connections', '64'), 64);
  assert.equal(parsePositiveInt('--connections', 3), 3);
  for (const bad of ['0', '-1', '1.5', 'abc', '', '1e3', String(2 ** 60)])
    assert.throws(() => parsePositiveInt('--connections', bad), PlanError, bad);
  assert.equal(parsePositiveNumber('--rate', '0.5'), 0.5);
  assert.equal(parsePositiveNumber('--rate', '10000'), 10000);
  for (const bad of ['0', '-3', 'x', '', 'Infinity', 'NaN']) assert.throws(() => parsePositiveNumber('--rate', bad), PlanError, bad);
});
