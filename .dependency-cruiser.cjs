/**
 * The layer rules of src/, checked by `npm run lint` (and so `npm test`). Data flows one way:
 * plan -> runner -> engine -> result -> reporters; each folder imports only the ones below it.
 *
 *   errors.ts                         error classes
 *   plan/                             what to run: options, parsing, the typed plan (a leaf)
 *   result/                           what a run produced: every result kind, its types and reader
 *   addon/                            the native addon's interface: loading it, abi.json's layout, the configurations it takes
 *   env/, model/                      this host's settings and counters; the capacity model
 *   engine/, builtin-target/, sampler/   the load, the built-in target, the socket-state sampler
 *   runner/                           runs a plan on the host or in a namespace
 *   sweep/, lab/, proxy/, limits/, doctor/   scenarios made of runs (proxy/: real nginx and HAProxy in front of the target)
 *   nat/                              the NAT scene: pods, an nftables router and servers in namespaces of their own
 *   watch/                            a live host's socket states, grouped and projected (no traffic)
 *   metrics/                          Prometheus metrics (prom-client) of watch samples and of a run's progress, and their endpoint
 *   report/                           renders a result as text (reads result/ and plan/ only)
 *   stage/                            the namespace child's program (started by runner/run-in-namespace.ts by path, never imported): runs a plan or a proxy variant
 *   cli/                              the only code that prints or sets the exit status
 */
const layer = (...folders) => `^src/(${folders.join('|')})/`;
const below = {
  plan: [],
  result: ['plan'],
  addon: ['plan'],
  env: ['plan', 'result', 'addon'],
  model: ['plan', 'result'],
  engine: ['plan', 'result', 'env', 'model', 'addon'],
  'builtin-target': ['plan', 'result', 'env', 'addon'],
  sampler: ['plan', 'result', 'env', 'engine', 'addon'],
  runner: ['plan', 'result', 'env', 'model', 'engine', 'builtin-target', 'sampler', 'addon'],
  sweep: ['plan', 'result', 'env', 'model', 'engine', 'builtin-target', 'sampler', 'runner', 'addon'],
  lab: ['plan', 'result', 'env', 'model', 'runner', 'sweep', 'addon'],
  proxy: ['plan', 'result', 'env', 'model', 'engine', 'builtin-target', 'sampler', 'runner', 'sweep', 'addon'],
  limits: ['plan', 'result', 'env', 'model', 'runner', 'addon'],
  doctor: ['plan', 'result', 'env', 'engine', 'runner', 'addon'],
  nat: ['plan', 'result', 'env', 'model', 'addon', 'runner'],
  watch: ['plan', 'result', 'env', 'model', 'engine', 'sampler', 'addon', 'metrics'],
  metrics: ['plan', 'result'],
  report: ['plan', 'result'],
  stage: ['plan', 'result', 'env', 'addon', 'runner', 'proxy', 'builtin-target'],
};
const ALL = [
  'plan',
  'result',
  'addon',
  'env',
  'model',
  'engine',
  'builtin-target',
  'sampler',
  'runner',
  'sweep',
  'lab',
  'proxy',
  'limits',
  'doctor',
  'nat',
  'watch',
  'metrics',
  'report',
  'stage',
  'cli',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type imports included.',
      from: {},
      to: { circular: true },
    },
    ...Object.entries(below).map(([folder, allowed]) => ({
      name: `${folder}-imports-only-below`,
      severity: 'error',
      comment: `src/${folder}/ may import ${allowed.length ? allowed.join(', ') : 'nothing of src/'} (and errors.ts); never a layer above it.`,
      from: { path: layer(folder) },
      to: { path: layer(...ALL.filter((f) => f !== folder && !allowed.includes(f))) },
    })),
    {
      name: 'nothing-loose-in-src',
      severity: 'error',
      comment: 'Only index.ts and errors.ts live at the top of src/.',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/(index|errors)\\.ts$' },
      to: {},
    },
    {
      name: 'library-never-imports-cli',
      severity: 'error',
      comment: 'index.ts is the library: it never reaches the CLI.',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports is dead code (entry points excepted).',
      from: {
        orphan: true,
        path: '^src/',
        pathNot: [
          '^src/index\\.ts$',
          '^src/cli/bin\\.ts$',
          '^src/stage/child\\.ts$',
          '(^|/)worker\\.ts$',
          '^src/engine/js/load-worker\\.ts$',
          '\\.d\\.ts$',
        ],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
