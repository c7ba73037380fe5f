import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { prerequisite } from '../helpers/prereq.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The native parsers of network bytes, each with its libFuzzer target and its seeds in the repository. */
const FUZZERS = [
  { name: 'framing', what: 'the response framing (what a target sends the engine)', sources: ['engine/framing.c', 'common/http_fields.c'] },
  {
    name: 'request',
    what: "the built-in target's request reader (what a client sends it)",
    sources: ['builtin-target/request.c', 'common/http_fields.c'],
  },
  {
    name: 'conntrack',
    what: 'the ctnetlink parsers and the NAT mapping counts (what conntrack hands the NAT reader)',
    sources: ['kernel/ct_parse.c', 'kernel/ct_held.c'],
  },
] as const;

for (const fuzzer of FUZZERS) {
  test(`${fuzzer.what} under libFuzzer (ASan, UBSan) for 15 s, from the corpus in the repository`, async (t) => {
    const clang = spawnSync('clang', ['--version']).status === 0;
    if (!prerequisite(t, clang, "needs Debian's clang for libFuzzer (apt-get install clang)")) return;
    const dir = await mkdtemp(join(tmpdir(), `portchurn-fuzz-${fuzzer.name}-`));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const bin = join(dir, `${fuzzer.name}_fuzz`);
    const build = spawnSync(
      'clang',
      [
        '-g',
        '-O1',
        '-fsanitize=fuzzer,address,undefined',
        '-fno-sanitize-recover=all',
        `-I${ROOT}src/native`,
        `${ROOT}src/native/fuzz/${fuzzer.name}_fuzz.c`,
        ...fuzzer.sources.map((f) => `${ROOT}src/native/${f}`),
        '-o',
        bin,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(build.status, 0, build.stderr);
    // A copy of the corpus: the run adds inputs, the repository's seeds stay as they are.
    const corpus = join(dir, 'corpus');
    await cp(join(ROOT, `test/fuzz/${fuzzer.name}-corpus`), corpus, { recursive: true });
    const run = spawnSync(bin, [corpus, '-max_total_time=15', '-timeout=5', `-artifact_prefix=${dir}/`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr.split('\n').slice(-30).join('\n'));
    assert.match(run.stderr, /Done \d+ runs in \d+ second/);
  });
}
