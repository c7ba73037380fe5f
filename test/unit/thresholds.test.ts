import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlanError } from '../../src/errors.js';
import type { RunResult } from '../../src/result/result.js';
import type { SweepResult } from '../../src/result/sweep-result.js';
import { evaluateThresholds } from '../../src/result/thresholds.js';
import { fixture } from '../helpers/fixtures.js';
import { parseThreshold } from '../../src/plan/thresholds.js';

test("--fail-on expressions parse into metric, operator and value in the metric's unit", () => {
  const table: [string, string, string, number, boolean][] = [
    ['error-rate>1%', 'error-rate', '>', 0.01, false],
    ['error-rate >= 0.5', 'error-rate', '>=', 0.5, false],
    ['p99>50ms', 'p99', '>', 50_000, false],
    ['p999<=800us', 'p999', '<=', 800, false],
    ['max>1.5s', 'max', '>', 1_500_000, false],
    ['ok-rate<0.9*predicted', 'ok-rate', '<', 0.9, true],
    ['ok-rate<5000', 'ok-rate', '<', 5000, false],
    ['errors>0', 'errors', '>', 0, false],
  ];
  for (const [text, metric, op, value, relative] of table) {
    const t = parseThreshold(text);
    assert.deepEqual([t.metric, t.op, t.value, t.relativeToModel], [metric, op, value, relative], text);
  }
});

test('malformed expressions are refused with the option named', () => {
  for (const text of [
    '',
    'p99',
    'p99>',
    'p99>50',
    'latency>5ms',
    'error-rate>lots',
    'p99=50ms',
    'errors>-1',
    'p50<0.9*predicted',
    'ok-rate<predicted',
  ]) {
    assert.throws(
      () => parseThreshold(text),
      (e: unknown) => e instanceof PlanError && e.option === '--fail-on',
      text,
    );
  }
});

test('thresholds are evaluated against the measured figures', () => {
  const run = (JSON.parse(fixture('sweep-result.json')) as SweepResult).stages[1]!.run as RunResult;
  const p99 = (run.latency.totalCorrectedUs ?? run.latency.totalUs).summary.p99Us;
  const outcomes = evaluateThresholds(
    [
      parseThreshold(`p99>${p99 - 1}us`),
      parseThreshold(`p99>${p99}us`),
      parseThreshold('error-rate>0%'),
      parseThreshold('ok-rate<0.9*predicted'),
      parseThreshold(`ok<${run.totals.ok + 1}`),
    ],
    run,
    2,
  );
  assert.deepEqual(
    outcomes.map((o) => o.failed),
    [true, false, false, false, true],
  );
  assert.equal(outcomes[0]!.measured, p99);
  assert.equal(outcomes[0]!.stage, 2);
  assert.equal(outcomes[3]!.limit, 0.9 * run.model.ceilingPerSec!);
});
