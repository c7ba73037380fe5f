import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NATIVE = join(ROOT, 'src/native');
const NODE_HEADERS = resolve(process.execPath, '../../include/node');
const WORK = mkdtempSync(join(tmpdir(), 'portchurn-native-c-'));
after(() => rmSync(WORK, { recursive: true, force: true }));

interface AbiJson {
  records: { attempt: { fields: Record<string, { offset: number }> }; socket: { fields: Record<string, { offset: number }> } };
}

/** src/native copied with api/gen/abi.h written from `abi` (by the same generator npm install runs), then abi.c compiled. */
async function compileAbiAgainst(abi: AbiJson, name: string): Promise<{ status: number | null; stderr: string }> {
  const dir = join(WORK, name);
  cpSync(NATIVE, dir, { recursive: true });
  const { abiHeader } = (await import(join(ROOT, 'scripts/native-abi.mjs'))) as { abiHeader: (abi: unknown) => string };
  writeFileSync(join(dir, 'api/gen/abi.h'), abiHeader(abi));
  const cc = spawnSync(
    'gcc',
    ['-std=c11', '-Wall', '-Wextra', '-Werror', '-fsyntax-only', `-I${NODE_HEADERS}`, `-I${dir}`, join(dir, 'abi.c')],
    {
      encoding: 'utf8',
    },
  );
  return { status: cc.status, stderr: cc.stderr };
}

test('abi.json and the C structures: the build refuses a layout it does not match (one offset changed, each record)', async () => {
  const abi = JSON.parse(readFileSync(join(NATIVE, 'api/abi.json'), 'utf8')) as AbiJson;
  const same = await compileAbiAgainst(abi, 'same');
  assert.equal(same.status, 0, same.stderr);

  const attempt = structuredClone(abi);
  attempt.records.attempt.fields.code!.offset += 4;
  const moved = await compileAbiAgainst(attempt, 'attempt');
  assert.notEqual(moved.status, 0);
  assert.match(moved.stderr, /static assertion failed: "abi\.json: records\.attempt\.code is not at 52"/);

  const socket = structuredClone(abi);
  socket.records.socket.fields.timerMs!.offset = 12;
  const movedSocket = await compileAbiAgainst(socket, 'socket');
  assert.notEqual(movedSocket.status, 0);
  assert.match(movedSocket.stderr, /records\.socket\.timerMs is not at 12/);
});

test('the native loop in C, under AddressSanitizer and UBSan: records wait until copied, lost ones are counted, a socket option that fails is SOCKET_OPTION, a sort without memory is an error', () => {
  const bin = join(WORK, 'loop_test');
  const sources = [
    'engine/loop.c',
    'engine/conn.c',
    'engine/framing.c',
    'common/http_fields.c',
    'kernel/socket_count.c',
    'kernel/sock_diag.c',
    'kernel/nl_dump.c',
  ].map((f) => join(NATIVE, f));
  const build = spawnSync(
    'gcc',
    [
      '-std=c11',
      '-g',
      '-O1',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-fsanitize=address,undefined',
      '-fno-sanitize-recover=all',
      `-I${NATIVE}`,
      join(ROOT, 'test/native/loop_test.c'),
      ...sources,
      '-lpthread',
      '-lm',
      // Each of these can be made to fail by the test itself.
      '-Wl,--wrap=realloc,--wrap=malloc,--wrap=setsockopt',
      '-o',
      bin,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(build.status, 0, build.stderr);
  const run = spawnSync(bin, [], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^ok \(0 failures\)/);
});

test('the native target in C, under AddressSanitizer and UBSan: pipelined requests answered in order at depths 1, 2 and 16 (whole and a byte at a time), a request that came during the delay answered after it, a reader that stalls closed and counted, a failed loop reported, the count tables bounded', () => {
  const bin = join(WORK, 'target_test');
  const sources = [
    'builtin-target/loop.c',
    'builtin-target/conn.c',
    'builtin-target/timers.c',
    'builtin-target/counts.c',
    'builtin-target/request.c',
    'common/http_fields.c',
  ].map((f) => join(NATIVE, f));
  const build = spawnSync(
    'gcc',
    [
      '-std=c11',
      '-g',
      '-O1',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-fsanitize=address,undefined',
      '-fno-sanitize-recover=all',
      `-I${NATIVE}`,
      // A count table of four addresses, so the test can fill it.
      '-DPC_COUNT_TABLE_MAX=4',
      join(ROOT, 'test/native/target_test.c'),
      ...sources,
      '-lpthread',
      '-lm',
      // The test makes epoll_wait fail on purpose.
      '-Wl,--wrap=epoll_wait',
      '-o',
      bin,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(build.status, 0, build.stderr);
  const run = spawnSync(bin, [], { encoding: 'utf8', timeout: 90_000 });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^ok \(0 failures\)/);
});
