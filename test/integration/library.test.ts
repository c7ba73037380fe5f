import assert from 'node:assert/strict';
import { test } from 'node:test';

test("import { run } from 'portchurn' returns the result object and prints nothing", async () => {
  const lib = await import('portchurn');
  const writes: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
  let result;
  try {
    result = await lib.run({ requests: 20, connections: 2, sources: '127.0.0.1' });
  } finally {
    process.stdout.write = original;
    process.stderr.write = originalErr;
  }
  assert.deepEqual(writes, []);
  assert.equal(result.schema, lib.RESULT_SCHEMA);
  assert.equal(result.totals.attempts, 20);
  assert.match(lib.renderRunSummary(result), /attempts/);
  assert.throws(() => lib.buildPlan({ connections: 0 }, { ephemeralPorts: { low: 32768, high: 60999 } }), lib.PlanError);
  for (const name of [
    'sweep',
    'lab',
    'nginxScenario',
    'proxyScenario',
    'readLimits',
    'makeNatScene',
    'natScenario',
    'natStagesOf',
    'sceneProfileOf',
    'natBudget',
    'natProfiles',
    'synResendsAtSec',
    'renderNatSummary',
    'renderNatMarkdown',
    'renderWatchNat',
    'natAddressOf',
    'readConntrack',
    'predictCapacity',
    'mergeRunResults',
    'renderMarkdown',
    'renderHtml',
    'readChartAssets',
    'renderHgrm',
    'readResult',
  ]) {
    assert.equal(typeof (lib as Record<string, unknown>)[name], 'function', name);
  }
});

test("import { watchSockets } from 'portchurn': the docs' example gives one sample", async () => {
  const { watchPlanOf, watchSockets, hostWatchDeps, renderWatchSample } = await import('portchurn');
  const plan = watchPlanOf({ once: true, interval: '50ms', dst: ':8080' });
  const samples: string[] = [];
  await watchSockets(plan, hostWatchDeps(plan), (sample) => {
    assert.equal(sample.kind, 'watch');
    assert.deepEqual(sample.filters.destinations, [':8080']);
    samples.push(renderWatchSample(sample));
  });
  assert.equal(samples.length, 1);
  assert.match(samples[0]!, /^portchurn watch · /);
});

test("the NAT scenario's plan and model from 'portchurn', without a scene", async () => {
  const { natStagesOf, natBudget, NAT_AXES } = await import('portchurn');
  assert.ok(NAT_AXES.includes('destination-ports'));
  const stages = natStagesOf({ axis: 'destinations', values: '1,2' }, '6.18.0');
  assert.deepEqual(
    stages.map((s) => [s.label, s.destinations]),
    [
      ['1', 1],
      ['2', 2],
    ],
  );
  const budget = natBudget({
    pods: ['198.18.0.1'],
    natAddresses: ['198.19.0.1'],
    ports: 10,
    destinations: ['198.19.128.1'],
    destinationPorts: 2,
    persistent: false,
    kernel: '6.18.0',
  });
  assert.equal(budget.mappings, 20, '10 ports x 2 destination ports');
});
