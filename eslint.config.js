// eslint (flat config) with typescript-eslint's type-aware rules; run by `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Only the CLI prints or decides the exit status; libraries return values and throw. */
const cliOnly = ['stdout', 'stderr', 'exit', 'exitCode'].map((property) => ({
  object: 'process',
  property,
  message: `process.${property} belongs to src/cli/: libraries return text or throw, the CLI prints and exits`,
}));

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'results/', 'src/native/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() returns a promise the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  // The two programs, the CLI and the namespace child (src/stage/), may exit; nothing else.
  { files: ['src/**/*.ts'], ignores: ['src/cli/**', 'src/stage/**'], rules: { 'no-restricted-properties': ['error', ...cliOnly] } },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        URL: 'readonly',
      },
    },
  },
);
