import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlanError } from '../../src/errors.js';
import { blockFor, planReferences, planStages } from '../../src/sweep/stages.js';

test('sources: every stage, the baseline too, in one port mode over fresh blocks; the kernel path is a reference row', () => {
  const stages = planStages('sources', undefined, {}, 'fresh');
  assert.deepEqual(
    stages.map((s) => s.axisValue),
    ['1', '2', '4', '8', '16'],
  );
  assert.deepEqual(
    stages.map((s) => s.options.portMode),
    ['bind', 'bind', 'bind', 'bind', 'bind'],
  );
  assert.deepEqual(stages[0]!.options, { portMode: 'bind', sources: '1' });
  assert.equal(stages[0]!.freshSources, 1);
  assert.deepEqual(stages[2]!.options, { portMode: 'bind', sources: '4' });
  assert.equal(stages[2]!.freshSources, 4);
  assert.equal(planStages('sources', '1,8', { portMode: 'explicit' }, 'none')[1]!.freshSources, null);
  assert.deepEqual(planStages('sources', '2,8', { portMode: 'explicit' }, 'fresh')[0]!.options, { portMode: 'explicit', sources: '2' });
  assert.throws(() => planStages('sources', '1,2', { portMode: 'kernel' }, 'fresh'), /use --port-mode bind or explicit/);
  const kernelOnly = planReferences('sources', undefined, 5, 'bind', 16, 'fresh');
  assert.deepEqual(
    kernelOnly.map((r) => [r.index, r.axisValue, r.options]),
    [[5, 'kernel', { portMode: 'kernel', sources: undefined }]],
    'beside bind stages: the unbound kernel path',
  );
  const besideNobind = planReferences('sources', undefined, 5, 'nobind', 16, 'fresh');
  assert.deepEqual(
    besideNobind.map((r) => [r.index, r.axisValue, r.options, r.freshSources]),
    [
      [5, '16 bind', { portMode: 'bind', sources: '16' }, 16],
      [6, 'kernel', { portMode: 'kernel', sources: undefined }, null],
    ],
    "beside nobind stages: bind() over the last stage's addresses, then the kernel path",
  );
  assert.deepEqual(planReferences('sources', 'none', 5, 'nobind', 16, 'fresh'), []);
  assert.deepEqual(planReferences('rate', undefined, 4, undefined, null, 'fresh'), [], 'other axes have no reference unless asked');
  assert.equal(planReferences('rate', 'kernel', 4, undefined, null, 'fresh')[0]?.axisValue, 'kernel');
  assert.throws(() => planReferences('sources', 'colour', 5, 'bind', 16, 'fresh'), /--reference 'colour' must be among kernel, bind, none/);
  assert.throws(() => planReferences('sources', 'none,kernel', 5, 'bind', 16, 'fresh'), /'none' stands alone/);
});

test('the other axes set their own option per stage', () => {
  assert.deepEqual(
    planStages('dst-addresses', '1,3', {}, 'fresh').map((s) => s.freshListen),
    [1, 3],
  );
  assert.deepEqual(planStages('dst-ports', '2', {}, 'fresh')[0]!.options, { listen: '127.0.0.1:0,127.0.0.1:0' });
  assert.deepEqual(
    planStages('rate', '500,1000', {}, 'fresh').map((s) => s.options),
    [{ rate: '500' }, { rate: '1000' }],
  );
  assert.deepEqual(
    planStages('port-mode', undefined, { sources: '4' }, 'fresh').map((s) => [s.options.portMode, s.freshSources]),
    [
      ['kernel', null],
      ['bind', 4],
      ['explicit', 4],
    ],
  );
  assert.deepEqual(
    planStages('close', undefined, {}, 'fresh').map((s) => s.options.close),
    ['client', 'server', 'reset', 'keepalive'],
  );
});

test('bad values are refused before anything runs', () => {
  for (const [axis, values, options] of [
    ['sources', '2,4', { portMode: 'kernel' }],
    ['sources', '1,0', {}],
    ['rate', '100,fast', {}],
    ['port-mode', 'kernel,magic', {}],
    ['close', 'now', {}],
    ['dst-ports', '1,2', { target: 'http://127.0.0.1:1/' }],
    ['sources', ' , ', {}],
  ] as const) {
    assert.throws(() => planStages(axis, values, options, 'fresh'), PlanError, `${axis} ${values}`);
  }
});

test('fresh blocks stay clear of 127.0.x.x and differ per attempt', () => {
  const blocks = Array.from({ length: 224 }, (_, i) => blockFor(17, i));
  assert.equal(new Set(blocks).size, 224);
  assert.ok(blocks.every((b) => b >= 16 && b <= 239));
});
