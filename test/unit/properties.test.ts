import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PlanError } from '../../src/errors.js';
import { parseSysctls } from '../../src/plan/sysctls.js';
import { parseSources } from '../../src/plan/addresses.js';
import { buildPlan, type RunOptions } from '../../src/plan/build-plan.js';
import { parseHeaders } from '../../src/plan/headers.js';
import { parseListen } from '../../src/plan/listen.js';
import { parsePortRange } from '../../src/plan/ports.js';
import { parseTarget } from '../../src/plan/target-url.js';
import { parseBytes, parseDurationMs, parsePositiveInt, parsePositiveNumber } from '../../src/plan/units.js';
import { parseThreshold } from '../../src/plan/thresholds.js';
import { CLOSE_POLICIES, PORT_MODES, type Plan } from '../../src/plan/plan.js';

const RUNS = { numRuns: 2000 };

/** Random text biased towards the characters these parsers care about. */
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...'0123456789.:-/,[]% *<>=msuhkbKMG$\r\n\0abcdefx'.split('')), maxLength: 30 }),
  fc.constantFrom('', ' ', '-', '1e9', 'NaN', 'Infinity', '0x10', '127.0.0.1/33', '::ffff:127.0.0.1', '1-', '-1', '99999999999999999999'),
);

/** Calls `parse` and checks it either gave a meaning or refused with a PlanError, never crashed. */
function acceptsOrRefuses(parse: (text: string) => unknown): void {
  fc.assert(
    fc.property(hostile, (text) => {
      try {
        parse(text);
      } catch (error) {
        if (!(error instanceof PlanError)) throw new Error(`${JSON.stringify(text)} threw ${String(error)}`);
        assert.ok(!error.message.includes('\n'), 'one line');
      }
    }),
    RUNS,
  );
}

test('option parsers: random input is given a meaning or refused with a PlanError', () => {
  acceptsOrRefuses((t) => parseSources(t));
  acceptsOrRefuses((t) => parseSources('3', t));
  acceptsOrRefuses((t) => parseDurationMs('--duration', t));
  acceptsOrRefuses((t) => parseBytes('--body-size', t));
  acceptsOrRefuses((t) => parsePositiveInt('--connections', t));
  acceptsOrRefuses((t) => parsePositiveNumber('--rate', t));
  acceptsOrRefuses((t) => parsePortRange('--explicit-ports', t));
  acceptsOrRefuses((t) => parseListen(t));
  acceptsOrRefuses((t) => parseTarget(t));
  acceptsOrRefuses((t) => parseHeaders([t]));
  acceptsOrRefuses((t) => parseSysctls([t]));
  acceptsOrRefuses((t) => parseSysctls([`net.ipv4.ip_local_port_range=${t}`]));
  acceptsOrRefuses((t) => parseThreshold(t));
});

test('a header with CR or LF anywhere is always refused: no request smuggling', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), fc.constantFrom('\r', '\n', '\r\n'), fc.string({ maxLength: 20 }), (a, crlf, b) => {
      assert.throws(() => parseHeaders([`X-A: ${a}${crlf}${b}`]), PlanError);
      assert.throws(() => parseHeaders([`${a}${crlf}${b}: v`]), PlanError);
    }),
    RUNS,
  );
});

test('accepted sources are valid, distinct, of one family, and as many as asked', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 255 }), (count, octet) => {
      const list = parseSources(String(count), `127.${octet}.0.1`);
      assert.equal(list.length, count);
      assert.equal(new Set(list).size, count);
      assert.ok(list.every((a) => a.startsWith('127.')));
    }),
    { numRuns: 300 },
  );
});

test('buildPlan: random option values are accepted as a plan or refused with a PlanError', () => {
  const facts = { ephemeralPorts: { low: 32768, high: 60999 } };
  const keys: (keyof RunOptions)[] = [
    'sources',
    'portMode',
    'close',
    'connections',
    'rate',
    'duration',
    'requests',
    'timeout',
    'method',
    'explicitPorts',
    'listen',
    'delay',
    'target',
    'sampleInterval',
    'workers',
  ];
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...keys), hostile, { maxKeys: 4 }), (options) => {
      try {
        const plan = buildPlan(options as RunOptions, facts);
        assert.ok(plan.durationMs !== null || plan.requests !== null, 'every plan is bounded');
        assert.ok(plan.timeoutMs > 0);
      } catch (error) {
        if (!(error instanceof PlanError)) throw new Error(`${JSON.stringify(options)} threw ${String(error)}`);
      }
    }),
    RUNS,
  );
});

test('the CLI never crashes on random arguments: a plan (exit 0) or one line and exit 2', async () => {
  const { main } = await import('../../src/cli/main.js');
  const { Writable } = await import('node:stream');
  const options = [
    '--sources',
    '--port-mode',
    '--close',
    '--connections',
    '--rate',
    '--duration',
    '--requests',
    '--timeout',
    '--header',
    '--explicit-ports',
    '--target',
    '--fail-on',
    '--workers',
    '--max-in-flight',
    '--listen',
    '--sysctl',
  ];
  const arg = fc.oneof(
    fc.constantFrom(...options),
    hostile,
    fc
      .string({ maxLength: 12 })
      .filter((s) => !['h', 'help', 'version', 'dry-run'].includes(s))
      .map((s) => `--${s}`),
  );
  await fc.assert(
    // -h and --help print the help (exit 0) and --version the version: not plans, so left out.
    fc.asyncProperty(
      fc.array(
        arg.filter((a) => !['-h', '--help', '--version'].includes(a)),
        { maxLength: 6 },
      ),
      async (args) => {
        let stdout = '';
        let stderr = '';
        const sink = (f: (s: string) => void) => new Writable({ write: (chunk, _e, cb) => (f(String(chunk)), cb()) });
        const status = await main(['run', '--dry-run', ...args], {
          stdout: sink((s) => (stdout += s)),
          stderr: sink((s) => (stderr += s)),
        });
        // Exit 0 prints the plan, or the help or version when a (clustered) -h / -v slipped in.
        if (status === 0) {
          if (!stdout.startsWith('{')) return assert.match(stdout, /^portchurn run|^\d+\.\d+\.\d+/);
          // A plan, and one that can run: bounded in time or count, a timeout, a port path and close policy it knows.
          const plan = JSON.parse(stdout) as Plan;
          assert.ok(plan.durationMs !== null || plan.requests !== null, `unbounded plan from ${JSON.stringify(args)}`);
          assert.ok(plan.timeoutMs > 0);
          assert.ok(PORT_MODES.includes(plan.portMode), plan.portMode);
          assert.ok(CLOSE_POLICIES.includes(plan.close), plan.close);
          assert.ok(Array.isArray(plan.sources) && plan.sources.every((a) => typeof a === 'string'));
          assert.ok(plan.workers >= 1 && Number.isInteger(plan.workers));
        } else {
          assert.equal(status, 2, `${JSON.stringify(args)} -> ${status}: ${stderr}`);
          assert.match(stderr, /^portchurn: [^\n]*\n$/);
        }
      },
    ),
    { numRuns: 300 },
  );
});
