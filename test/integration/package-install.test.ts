// What a user installing the published package gets: `npm pack`, then the tarball installed into an
// empty directory (as a dependency, with Debian's C compiler) and globally into a prefix (with no C
// compiler at all, so the addon cannot build and the install must still succeed). Each installed
// copy answers --version and runs a short load on its built-in target. The CI and the Dockerfile
// copy the whole tree, so only this test sees a file the package forgot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prerequisite } from '../helpers/prereq.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NPM = process.env.npm_execpath;
const VERSION = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (bounded: killed after `timeoutMs`), collecting its output. */
function exec(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** npm, run by this Node (npm test names its own npm-cli.js). */
function npm(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
  return NPM
    ? exec(process.execPath, [NPM, ...args], { cwd, ...(env ? { env } : {}) })
    : exec('npm', args, { cwd, ...(env ? { env } : {}) });
}

/** A directory of commands named like every C compiler node-gyp may call, each failing as a missing one does. */
async function noCompilerPath(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of ['cc', 'gcc', 'g++', 'c++', 'clang', 'clang++'])
    await writeFile(join(dir, name), `#!/bin/sh\necho "sh: 1: ${name}: not found" >&2\nexit 127\n`).then(() =>
      chmod(join(dir, name), 0o755),
    );
  return `${dir}:${process.env.PATH ?? ''}`;
}

/** Checks `bin` answers --version and runs 200 attempts on its built-in target; returns the result's engine. */
async function shortRun(bin: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const version = await exec(bin, ['--version'], { cwd, env, timeoutMs: 30_000 });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), VERSION);
  const ran = await exec(bin, ['run', '-n', '200', '-c', '4', '--json', '--out', join(cwd, 'results')], { cwd, env, timeoutMs: 60_000 });
  assert.equal(ran.status, 0, ran.stderr);
  const result = JSON.parse(ran.stdout) as { kind: string; engine: string; totals: { attempts: number; ok: number } };
  assert.equal(result.kind, 'run');
  assert.equal(result.totals.attempts, 200);
  assert.equal(result.totals.ok, 200);
  assert.equal((await readdir(join(cwd, 'results'))).filter((f) => /^run-.*\.json$/.test(f)).length, 1);
  return result.engine;
}

test('the packed tarball installs and runs, with and without a C compiler', { timeout: 600_000 }, async (t) => {
  if (!prerequisite(t, process.platform === 'linux', 'the package builds its addon on Linux only')) return;
  const work = await mkdtemp(join(tmpdir(), 'portchurn-pack-'));
  try {
    // dist/ is already built by `npm test`; --ignore-scripts keeps `prepare` from rebuilding it under the running tests.
    const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
    assert.equal(packed.status, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const tarball = join(work, info.filename);
    const files = new Set(info.files.map((f) => f.path));
    for (const f of [
      'scripts/build-native.mjs',
      'scripts/native-abi.mjs',
      'src/native/api/abi.json',
      'src/native/builtin-target/conn.c',
      'binding.gyp',
      'dist/src/cli/bin.js',
    ])
      assert.ok(files.has(f), `the package lacks ${f}`);
    const quiet = ['--no-audit', '--no-fund', '--prefer-offline'];

    await t.test('as a dependency, with a C compiler: the addon builds and runs', async () => {
      const app = join(work, 'app');
      await mkdir(app);
      await writeFile(join(app, 'package.json'), '{ "name": "app", "version": "1.0.0", "private": true }\n');
      const installed = await npm(['install', ...quiet, tarball], app);
      assert.equal(installed.status, 0, installed.stderr);
      assert.doesNotMatch(installed.stderr, /native engine was not built/);
      assert.ok(existsSync(join(app, 'node_modules/portchurn/build/Release/portchurn_native.node')));
      assert.equal(await shortRun(join(app, 'node_modules/.bin/portchurn'), app, process.env), 'native');
    });

    await t.test(
      'globally into a prefix, with no C compiler: the install succeeds, says why once, and the JavaScript engine runs',
      async () => {
        const prefix = join(work, 'global');
        const env = { ...process.env, PATH: await noCompilerPath(join(work, 'no-cc')) };
        // npm hides a dependency's install output unless asked (--foreground-scripts), as a user would to see why.
        const installed = await npm(['install', '--global', '--prefix', prefix, '--foreground-scripts', ...quiet, tarball], work, env);
        assert.equal(installed.status, 0, installed.stderr);
        const lines = installed.stderr.split('\n').filter((l) => l.includes('the native engine was not built'));
        assert.equal(lines.length, 1, installed.stderr);
        assert.match(lines[0]!, /not found|cc|g\+\+/);
        assert.ok(!existsSync(join(prefix, 'lib/node_modules/portchurn/build/Release/portchurn_native.node')));
        assert.equal(await shortRun(join(prefix, 'bin/portchurn'), work, env), 'js');
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
