import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { parseJunit } from '../helpers/junit.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-ci-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('run --junit: each --fail-on threshold a test case, failed with the measured value and limit; the job summary appended where GITHUB_STEP_SUMMARY points', () =>
  withDir(async (dir) => {
    const junit = join(dir, 'junit.xml');
    const summary = join(dir, 'summary.md');
    const run = await runCli(
      ['run', '-n', '60', '-c', '2', '--out', dir, '--fail-on', 'p99>1us', '--fail-on', 'errors>1000', '--junit', junit],
      { env: { GITHUB_STEP_SUMMARY: summary } },
    );
    assert.equal(run.status, 1, 'a threshold held');
    const doc = parseJunit(readFileSync(junit, 'utf8'));
    assert.equal(doc.testsuites['@_name'], 'portchurn run');
    // The verdict's own case, then the two thresholds.
    assert.deepEqual([doc.testsuites['@_tests'], doc.testsuites['@_failures'], doc.testsuites['@_errors']], ['3', '1', '0']);
    const [verdict, suite] = doc.testsuites.testsuite;
    assert.equal(doc.testsuites.testsuite.length, 2);
    assert.equal(verdict!['@_name'], 'verdict');
    assert.equal(verdict!.properties.property[0]!['@_value'], 'FAILED: 1 of 2 thresholds held; 1 of 1 run ran');
    assert.deepEqual([suite!['@_name'], suite!['@_tests'], suite!['@_failures']], ['run', '2', '1']);
    assert.ok(Number(suite!['@_time']) > 0);
    assert.ok(!Number.isNaN(Date.parse(suite!['@_timestamp'])));
    const props = Object.fromEntries(suite!.properties.property.map((p) => [p['@_name'], p['@_value']]));
    assert.equal(props.ok, '60');
    const [p99, errors] = suite!.testcase!;
    assert.equal(p99!['@_name'], 'p99>1us');
    assert.equal(p99!['@_classname'], 'portchurn.run.run');
    assert.equal(p99!.failure!['@_type'], 'threshold');
    assert.match(p99!.failure!['@_message'], /^p99>1us \(measured [\d.]+(us|ms), limit 1us\)$/);
    assert.equal(errors!['@_name'], 'errors>1000');
    assert.equal(errors!.failure, undefined, 'a threshold that did not hold passes');
    const md = readFileSync(summary, 'utf8');
    assert.match(md, /^### portchurn run/m);
    assert.match(md, /^60 ok, 0 errors/m);
    assert.match(md, /^\| stage \| sources \|/m);
    assert.match(md, /\*\*FAILED: 1 of 2 thresholds held; 1 of 1 run ran\*\*/);
    assert.match(md, /^- threshold held in run: p99>1us \(measured/m);

    // A second step appends; with GITHUB_STEP_SUMMARY unset nothing is written.
    const again = await runCli(['run', '-n', '10', '--out', dir, '--quiet'], { env: { GITHUB_STEP_SUMMARY: summary } });
    assert.equal(again.status, 0, again.stderr);
    const twice = readFileSync(summary, 'utf8');
    assert.ok(twice.startsWith(md) && twice.length > md.length, 'appended, not replaced');
    assert.match(twice.slice(md.length), /No `--fail-on` thresholds\./);
    const none = await runCli(['run', '-n', '10', '--out', dir, '--quiet'], { env: { GITHUB_STEP_SUMMARY: '' } });
    assert.equal(none.status, 0);
    assert.equal(readFileSync(summary, 'utf8'), twice, 'unset: nothing appended');
    assert.equal(existsSync(join(dir, 'junit.xml')), true);
  }));

test('sweep --junit: each stage a suite with its own thresholds', () =>
  withDir(async (dir) => {
    const junit = join(dir, 'sweep.xml');
    const run = await runCli(
      [
        'sweep',
        '--no-netns',
        '--values',
        '1,2',
        '-n',
        '40',
        '-c',
        '2',
        '--out',
        dir,
        '--reference',
        'kernel',
        '--reports',
        '',
        '--quiet',
        '--fail-on',
        'ok<40',
        '--junit',
        junit,
      ],
      { env: { GITHUB_STEP_SUMMARY: '' } },
    );
    assert.equal(run.status, 0, run.stderr);
    const doc = parseJunit(readFileSync(junit, 'utf8'));
    assert.deepEqual(
      doc.testsuites.testsuite.map((s) => [s['@_name'], s['@_tests'], s['@_failures']]),
      [
        ['verdict', '1', '0'],
        ['stage 1 (sources 1)', '1', '0'],
        ['stage 2 (sources 2)', '1', '0'],
        ['reference kernel', '1', '0'],
      ],
    );
    assert.deepEqual([doc.testsuites['@_tests'], doc.testsuites['@_failures'], doc.testsuites['@_errors']], ['4', '0', '0']);
  }));
