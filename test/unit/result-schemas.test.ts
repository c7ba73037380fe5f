import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { RESULT_SCHEMA } from '../../src/result/header.js';
import {
  RESULT_SCHEMA_TYPES,
  SCHEMAS_DIR,
  checkResultSchema,
  schemaId,
  schemaNameOf,
  type ResultSchemaName,
} from '../../src/result/result-schemas.js';
import { conformsWhenStrict } from '../../src/cli/strict-schema.js';
import { fixture, fixturePath } from '../helpers/fixtures.js';

const NAMES = Object.keys(RESULT_SCHEMA_TYPES) as ResultSchemaName[];

function committed(name: ResultSchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(`${SCHEMAS_DIR}${name}.schema.json`, 'utf8')) as Record<string, unknown>;
}

test('the committed schemas are what the result types give (npm run schemas writes them)', async () => {
  const script = pathToFileURL(fixturePath('../../scripts/result-schemas.mjs')).href;
  const { generateResultSchemas } = (await import(script)) as { generateResultSchemas: () => Record<string, unknown> };
  const generated = generateResultSchemas();
  assert.deepEqual(Object.keys(generated).sort(), [...NAMES].sort());
  for (const name of NAMES) assert.deepEqual(committed(name), generated[name], `schemas/${name}.schema.json is stale: run npm run schemas`);
});

test("each schema has its $id, and pins the result's schema version and kind", () => {
  const kinds: Record<ResultSchemaName, string> = {
    run: 'run',
    merge: 'run',
    sweep: 'sweep',
    lab: 'lab',
    proxy: 'proxy',
    nat: 'nat',
    watch: 'watch',
    'watch-node': 'watch-node',
  };
  for (const name of NAMES) {
    const s = committed(name) as { $id: string; properties: Record<string, { const?: string }>; additionalProperties: boolean };
    assert.equal(s.$id, schemaId(name));
    assert.equal(s.$id, `urn:portchurn:result@1:${name}`);
    assert.equal(s.properties.kind?.const, kinds[name], name);
    if (name !== 'watch-node') assert.equal(s.properties.schema?.const, RESULT_SCHEMA, name);
    assert.equal(s.additionalProperties, false, `${name}: no undeclared field`);
  }
  assert.deepEqual((committed('merge') as { required: string[] }).required.includes('hosts'), true);
});

test('a stored result passes; a field added, removed or mistyped fails, named by its path', () => {
  const stored = JSON.parse(fixture('proxy-result.json')) as {
    variants: { client: { totals: Record<string, unknown>; timeSeries: Record<string, unknown>[] } }[];
  };
  assert.equal(schemaNameOf(stored), 'proxy');
  assert.deepEqual(checkResultSchema(stored), []);
  const edited = structuredClone(stored);
  edited.variants[0]!.client.totals.okPerSecond = 1;
  delete edited.variants[0]!.client.totals.ok;
  edited.variants[0]!.client.totals.attempts = '1000';
  edited.variants[0]!.client.timeSeries[0]!.latency = { totalUs: 'HISTF...', p99Us: 3 };
  const problems = checkResultSchema(edited);
  const where = '/variants/0/client';
  assert.ok(problems.includes(`proxy: ${where}/totals must NOT have additional properties (okPerSecond)`), problems.join('\n'));
  assert.ok(problems.includes(`proxy: ${where}/totals must have required property 'ok'`), problems.join('\n'));
  assert.ok(problems.includes(`proxy: ${where}/totals/attempts must be number`), problems.join('\n'));
  assert.ok(problems.includes(`proxy: ${where}/timeSeries/0/latency must NOT have additional properties (p99Us)`), problems.join('\n'));
});

test('a run with hosts is checked as a merge; a document of no known kind is named', () => {
  assert.equal(schemaNameOf({ kind: 'run' }), 'run');
  assert.equal(schemaNameOf({ kind: 'run', hosts: [] }), 'merge');
  assert.equal(schemaNameOf({ kind: 'watch-node' }), 'watch-node');
  assert.equal(schemaNameOf({ kind: 'nginx' }), null);
  assert.deepEqual(checkResultSchema({ kind: 'nope' }), ['the document has no kind portchurn writes a schema for']);
});

test('strict mode prints each problem and says the document does not conform; npm test turns it on', () => {
  let err = '';
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => ((err += s), true) } } as unknown as Parameters<
    typeof conformsWhenStrict
  >[0];
  const was = process.env.PORTCHURN_STRICT_SCHEMA;
  try {
    process.env.PORTCHURN_STRICT_SCHEMA = '1';
    assert.equal(conformsWhenStrict(io, { kind: 'watch-node', samples: [], unreadable: [], extra: 1 }), false);
    assert.match(err, /schema: watch-node: \/ must NOT have additional properties \(extra\)/);
    assert.equal(conformsWhenStrict(io, { kind: 'watch-node', samples: [], unreadable: [] }), true);
    delete process.env.PORTCHURN_STRICT_SCHEMA;
    assert.equal(conformsWhenStrict(io, { kind: 'nope' }), true, 'off: nothing is checked');
  } finally {
    if (was === undefined) delete process.env.PORTCHURN_STRICT_SCHEMA;
    else process.env.PORTCHURN_STRICT_SCHEMA = was;
  }
  // CI runs `npm test`, which sets it: every result the suite's CLI runs write is checked.
  if (process.env.CI === 'true') assert.equal(was, '1', 'npm test sets PORTCHURN_STRICT_SCHEMA=1');
});
