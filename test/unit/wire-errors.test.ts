// Errors crossing the namespace child's IPC channel keep their class through one registry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as errors from '../../src/errors.js';
import {
  CROSSING_ERRORS,
  fromWire,
  NamespaceError,
  PlanError,
  PortchurnError,
  ProxyError,
  ResultInputError,
  toWire,
} from '../../src/errors.js';

test('every error class sets the name of its class, so the registry keyed by class name is the name on the wire', () => {
  type ErrorClass = new (a: string, b: string) => PortchurnError;
  const classes = (Object.values(errors) as unknown[]).filter(
    (v) => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof PortchurnError,
  ) as ErrorClass[];
  assert.ok(classes.length >= 7);
  for (const C of classes) assert.equal(new C('a', 'b').name, C.name);
  for (const C of classes) assert.ok(CROSSING_ERRORS.includes(C.name), `${C.name} crosses the process boundary`);
});

test('a round trip through structured cloning keeps the class, the message and its fields', () => {
  const cases: [PortchurnError, string][] = [
    [new ProxyError('nginx rejected its configuration: unknown directive "x"'), 'ProxyError'],
    [new PlanError('--sources', "--sources 'x' is not an address"), 'PlanError'],
    [new ResultInputError('/tmp/r.json', 'truncated'), 'ResultInputError'],
  ];
  for (const [error, name] of cases) {
    const back = fromWire(structuredClone(toWire(error)));
    assert.equal(back.constructor.name, name);
    assert.equal(back.message, error.message);
  }
  assert.equal((fromWire(toWire(cases[1]![0])) as PlanError).option, '--sources');
  assert.equal((fromWire(toWire(cases[2]![0])) as ResultInputError).path, '/tmp/r.json');
});

test('an error of no known class arrives as a NamespaceError that names it', () => {
  const back = fromWire(toWire(new TypeError('x is not a function')));
  assert.ok(back instanceof NamespaceError);
  assert.equal(back.message, 'in the namespace: TypeError: x is not a function');
  assert.equal(fromWire(toWire('a string')).message, 'in the namespace: Error: a string');
});
