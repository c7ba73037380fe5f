import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResultFileError } from '../../src/errors.js';
import { writeResultFile } from '../../src/result/write-result.js';
import { IS_ROOT } from '../helpers/prereq.js';

test('results never overwrite an earlier file and leave no temporary file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-'));
  try {
    const at = '2026-11-26T07:55:01.123Z';
    const a = await writeResultFile(dir, 'run', at, { n: 1 });
    const b = await writeResultFile(dir, 'run', at, { n: 2 });
    const c = await writeResultFile(dir, 'run', at, { n: 3 });
    assert.equal(a, join(dir, 'run-2026-11-26T07-55-01Z.json'));
    assert.equal(b, join(dir, 'run-2026-11-26T07-55-01Z-2.json'));
    assert.equal(c, join(dir, 'run-2026-11-26T07-55-01Z-3.json'));
    assert.deepEqual(JSON.parse(await readFile(a, 'utf8')), { n: 1 });
    assert.deepEqual(JSON.parse(await readFile(c, 'utf8')), { n: 3 });
    assert.deepEqual((await readdir(dir)).sort(), [
      'run-2026-11-26T07-55-01Z-2.json',
      'run-2026-11-26T07-55-01Z-3.json',
      'run-2026-11-26T07-55-01Z.json',
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unwritable directory is a ResultFileError naming it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-'));
  try {
    // As root permissions do not stop a write, so aim below a regular file instead.
    const target = IS_ROOT ? join(await writeResultFile(dir, 'x', new Date().toISOString(), {}), 'sub') : dir;
    if (!IS_ROOT) await chmod(dir, 0o500);
    await assert.rejects(
      writeResultFile(target, 'run', new Date().toISOString(), {}),
      (e: unknown) => e instanceof ResultFileError && e.message.includes(target),
    );
    t.diagnostic(`refused ${target}`);
  } finally {
    await chmod(dir, 0o700);
    await rm(dir, { recursive: true, force: true });
  }
});
