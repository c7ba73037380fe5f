// npm run lint: the layer rules (dependency-cruiser), eslint with type-aware rules, prettier and
// clang-format in check mode. Each step's output is shown; the first failing step fails the run.
// clang-format is a Debian package (.ci/run installs it): in CI its absence fails, elsewhere it is
// skipped with one line saying so.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const nativeSources = ['.', 'api', 'common', 'engine', 'builtin-target', 'kernel', 'fuzz']
  .map((d) => `src/native/${d}`)
  .concat('test/native')
  .flatMap((d) =>
    readdirSync(d)
      .filter((f) => /\.[ch]$/.test(f))
      .map((f) => `${d}/${f}`),
  );
const steps = [
  ['layers', 'npx', ['depcruise', 'src', '--config', '.dependency-cruiser.cjs']],
  ['eslint', 'npx', ['eslint', 'src', 'test', 'bench', 'scripts', '--max-warnings', '0']],
  ['prettier', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']],
  ['clang-format', 'clang-format', ['--dry-run', '--Werror', ...nativeSources]],
];
for (const [name, cmd, args] of steps) {
  if (cmd === 'clang-format' && spawnSync(cmd, ['--version']).error) {
    if (inCi) {
      process.stderr.write('lint: clang-format is missing (apt-get install clang-format)\n');
      process.exit(1);
    }
    process.stderr.write('lint: clang-format skipped: not installed (apt-get install clang-format)\n');
    continue;
  }
  const run = spawnSync(cmd, args, { stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`lint: ${name} failed\n`);
    process.exit(1);
  }
}
process.stderr.write('lint: layers, eslint, prettier and clang-format clean\n');
