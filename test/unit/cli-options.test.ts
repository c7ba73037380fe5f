import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import yargs from 'yargs';
import { main } from '../../src/cli/main.js';
import type { FieldsOf, OptionTable } from '../../src/cli/option-table.js';
import { RUN_OPTIONS, runOptions, toRunOptions } from '../../src/cli/commands/run.js';
import { SWEEP_OPTIONS } from '../../src/cli/commands/sweep.js';
import { LAB_OPTIONS, labOptions, toLabOptions } from '../../src/cli/commands/lab.js';
import { NGINX_OPTIONS, PROXY_OPTIONS } from '../../src/cli/commands/proxy.js';
import { LIMITS_OPTIONS } from '../../src/cli/commands/limits.js';
import { DOCTOR_OPTIONS } from '../../src/cli/commands/doctor.js';
import { SERVE_OPTIONS } from '../../src/cli/commands/serve.js';
import { WATCH_OPTIONS } from '../../src/cli/commands/watch.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
import { MERGE_OPTIONS } from '../../src/cli/commands/merge.js';
import { COMPARE_OPTIONS, REPORT_OPTIONS } from '../../src/cli/commands/report.js';
import type { RunOptions } from '../../src/plan/build-plan.js';
import type { SweepOptions } from '../../src/sweep/sweep.js';
import type { LabOptions } from '../../src/lab/lab.js';
import type { ProxyOptions } from '../../src/proxy/scenario.js';
import { PLAN_DEFAULTS } from '../../src/plan/plan.js';
import type { WatchOptions } from '../../src/plan/watch-plan.js';

// Compile-time: every `field` of a table names an option the library takes (a typo fails the build,
// and so `npm test`; the test below shows the check refusing a typo).
// `lab` takes --netns and --profile from the sweep's table only to refuse them with a reason.
type FieldsWithin<O extends OptionTable, T, Removed = never> = Exclude<keyof FieldsOf<O>, keyof T | Removed> extends never ? true : false;
const fieldsAreOptions: [
  FieldsWithin<typeof RUN_OPTIONS, RunOptions>,
  FieldsWithin<typeof SWEEP_OPTIONS, SweepOptions>,
  FieldsWithin<typeof LAB_OPTIONS, LabOptions, 'netns' | 'profile'>,
  FieldsWithin<typeof PROXY_OPTIONS, ProxyOptions>,
  FieldsWithin<typeof NGINX_OPTIONS, ProxyOptions>,
  FieldsWithin<typeof WATCH_OPTIONS, WatchOptions>,
] = [true, true, true, true, true, true];
void fieldsAreOptions;

/** Each command's table and the docs page that describes its options. */
const DOCUMENTED: readonly { command: string; table: OptionTable; page: string; inherited?: OptionTable }[] = [
  { command: 'run', table: RUN_OPTIONS, page: 'docs/run.md' },
  { command: 'sweep', table: SWEEP_OPTIONS, inherited: RUN_OPTIONS, page: 'docs/sweep.md' },
  { command: 'lab', table: LAB_OPTIONS, inherited: SWEEP_OPTIONS, page: 'docs/lab.md' },
  { command: 'proxy', table: PROXY_OPTIONS, page: 'docs/proxy.md' },
  { command: 'nginx', table: NGINX_OPTIONS, page: 'docs/proxy.md' },
  { command: 'limits', table: LIMITS_OPTIONS, page: 'docs/limits-and-doctor.md' },
  { command: 'doctor', table: DOCTOR_OPTIONS, page: 'docs/limits-and-doctor.md' },
  { command: 'serve', table: SERVE_OPTIONS, page: 'docs/run.md' },
  { command: 'report', table: REPORT_OPTIONS, page: 'docs/sweep.md' },
  { command: 'compare', table: COMPARE_OPTIONS, page: 'docs/sweep.md' },
  { command: 'merge', table: MERGE_OPTIONS, page: 'docs/multi-host.md' },
  { command: 'watch', table: WATCH_OPTIONS, page: 'docs/watch.md' },
];

async function helpOf(command: string): Promise<string> {
  let stdout = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stdout += chunk.toString();
      done();
    },
  });
  const status = await main([command, '--help'], { stdout: sink, stderr: sink });
  assert.equal(status, 0);
  // yargs wraps long lines; compare with runs of white space as one space.
  return stdout.replace(/\s+/g, ' ');
}

/**
 * Type-checks `source` (a file of its own, importing this checkout's sources by absolute path) as
 * `npm run build` would; returns tsc's output, or '' when it compiles.
 */
function typecheck(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portchurn-types-'));
  try {
    writeFileSync(join(dir, 'check.ts'), source);
    const tsc = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--skipLibCheck',
        '--typeRoots',
        join(ROOT, 'node_modules/@types'),
        '--types',
        'node',
        join(dir, 'check.ts'),
      ],
      { encoding: 'utf8', timeout: 120_000, cwd: dir },
    );
    return tsc.status === 0 ? '' : tsc.stdout + tsc.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an option table whose field the library does not take fails the build, naming it (the check the tables above pass)', () => {
  const src = (p: string): string => JSON.stringify(join(ROOT, p));
  const table = (field: string): string => `
import type { FieldsOf, OptionTable } from ${src('src/cli/option-table.js')};
import type { RunOptions } from ${src('src/plan/build-plan.js')};
type FieldsWithin<O extends OptionTable, T> = Exclude<keyof FieldsOf<O>, keyof T> extends never ? true : false;
const TABLE = { sources: { type: 'string', field: '${field}', describe: 'source addresses' } } as const satisfies OptionTable;
export const check: FieldsWithin<typeof TABLE, RunOptions> = true;
`;
  assert.equal(typecheck(table('sources')), '', 'a field RunOptions has compiles');
  const typo = typecheck(table('sourcez'));
  assert.match(typo, /error TS2322: Type 'true' is not assignable to type 'false'/, typo);
});

test("help is made from each command's option table, defaults included", async () => {
  for (const { command, table } of DOCUMENTED) {
    const help = await helpOf(command);
    for (const [name, spec] of Object.entries(table)) {
      assert.ok(help.includes(`--${name}`), `${command} --help lists --${name}`);
      const shown = spec.libraryDefault ?? spec.defaultDescription ?? spec.default;
      if (shown !== undefined && shown !== '') {
        const text = typeof shown === 'string' && spec.default === shown ? `"${shown}"` : String(shown);
        assert.ok(help.includes(`[default: ${text}]`), `${command} --help shows --${name}'s default ${text}`);
      }
    }
  }
});

test("run's help shows the plan's own defaults", async () => {
  const help = await helpOf('run');
  assert.ok(help.includes(`closed loop: connections in flight [string] [default: ${PLAN_DEFAULTS.connections}]`));
  assert.ok(help.includes(`per-connection timeout [string] [default: ${PLAN_DEFAULTS.timeout}]`));
});

test('every option is documented on its docs page', () => {
  for (const { command, table, page, inherited } of DOCUMENTED) {
    const text = readFileSync(new URL(`../../../${page}`, import.meta.url), 'utf8');
    for (const name of Object.keys(table)) {
      if (inherited && name in inherited) continue;
      assert.match(text, new RegExp(`--${name}\\b`), `${page} documents ${command} --${name}`);
    }
  }
});

test('only the options given reach the library, under their field names', async () => {
  const argv = await runOptions(yargs(['--body-size', '5', '-c', '3', '-H', 'A: b', '--no-netns', '--json'])).parse();
  assert.deepEqual(toRunOptions(argv), { bodySize: '5', connections: '3', header: ['A: b'], netns: false });
  assert.deepEqual(toRunOptions(await runOptions(yargs([])).parse()), {});
});

test('lab hands every sweep option on, --settle-timeout included (it was once dropped)', async () => {
  const argv = await labOptions(yargs(['--settle-timeout', '5s', '--values', '1,4', '--profiles', 'narrow'])).parse();
  const options = toLabOptions(argv);
  assert.equal(options.settleTimeout, '5s');
  assert.equal(options.values, '1,4');
  assert.equal(options.profiles, 'narrow');
});
