import { walkUntilStopped, type StepOutcome } from '../runner/walk.js';
import { resultHeader } from '../result/header.js';
import { randomInt } from 'node:crypto';
import { countCarryOver } from '../env/carry-over.js';
import { readHostFacts } from '../env/environment.js';
import { PlanError } from '../errors.js';
import { familyOf } from '../plan/addresses.js';
import { buildPlan, type RunOptions } from '../plan/build-plan.js';
import type { Plan, PortMode } from '../plan/plan.js';
import { portCount, portRangeText } from '../plan/ports.js';
import { parseDurationMs } from '../plan/units.js';
import { executePlan } from '../runner/run.js';
import { resolveNamespace } from '../env/resolve-namespace.js';
import { namespaceUnavailable } from '../env/namespace-support.js';
import { waitForTimeWait } from './settle.js';
import { blockFor, planReferences, planStages, sourceCountOf, type StageSpec } from './stages.js';
import { whyNotNative } from '../runner/choose-engine.js';
import type { StageResult, StageSettle, SweepResult, TupleSpace } from '../result/sweep-result.js';
import { type HostFacts, namespaceFacts, type NamespaceSpec } from '../plan/namespace.js';
import { AXES, SETTLE_POLICIES, type Axis, type SettlePolicy } from '../plan/sweep-axes.js';
import type { Progress } from '../result/progress.js';

/** A sweep's own defaults, stated once (the CLI's help reads them). */
export const SWEEP_DEFAULTS = {
  axis: 'sources' as Axis,
  settle: 'fresh' as SettlePolicy,
  settleTimeout: '75s',
  reports: 'md,html,hgrm,hlog',
} as const;

/** Options of a sweep: those of `run`, plus the axis and how stages settle. */
export interface SweepOptions extends RunOptions {
  /** Default `sources`. */
  axis?: Axis;
  /** Comma list; default per axis (`1,2,4,8,16` for sources). */
  values?: string;
  /**
   * Reference rows beside the stages, a comma list of `kernel` (the unbound path), `bind` (bind()
   * over the last stage's addresses), or `none`. Default on the sources axis: `bind,kernel` beside
   * nobind stages, `kernel` beside bind stages; none on other axes.
   */
  reference?: string;
  /** Default `fresh`. */
  settle?: SettlePolicy;
  /** Longest `--settle wait` before a stage. Default `75s`. */
  settleTimeout?: string;
}

/** Stage-aware progress. */
export interface SweepHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: { index: number; count: number; axisValue: string }, progress: Progress) => void;
  /** Called when a stage (or reference row) has ended, with its result. */
  readonly onStageDone?: (stage: { index: number; count: number; axisValue: string }, result: StageResult) => void;
}

/** A stage ready to run: its plan and how it settled so far. */
interface PreparedStage {
  readonly spec: StageSpec;
  readonly plan: Plan;
  readonly block: number | null;
}

function addressesOf(
  spec: StageSpec,
  block: number,
  sourceBase: string | undefined,
): { sources?: string; sourceBase?: string; listen?: string } {
  const out: { sources?: string; sourceBase?: string; listen?: string } = {};
  if (spec.freshSources !== null) {
    out.sources = String(spec.freshSources);
    // IPv6 sources other than ::1 live only in the stage's own namespace, which is fresh by itself.
    out.sourceBase = sourceBase !== undefined && familyOf(sourceBase) === 6 ? sourceBase : `127.${block}.0.1`;
  }
  if (spec.freshListen !== null) {
    out.listen = Array.from({ length: spec.freshListen }, (_, i) => `127.${block}.255.${i + 1}:0`).join(',');
  }
  return out;
}

/**
 * Builds a stage's plan; in settle fresh on the host, moves to the next block until its addresses
 * hold no TIME_WAIT (a namespace is fresh by itself).
 */
async function prepareStage(
  options: SweepOptions,
  spec: StageSpec,
  hostFacts: HostFacts,
  namespace: NamespaceSpec | null,
  settle: SettlePolicy,
  seed: number,
  check: boolean,
): Promise<PreparedStage> {
  const merged: RunOptions = { ...options, ...spec.options };
  const stageNamespace = namespace ? { ...namespace, sysctls: { ...namespace.sysctls, ...spec.sysctls } } : null;
  const facts = stageNamespace ? namespaceFacts(stageNamespace) : hostFacts;
  const build = (extra: RunOptions): Plan => buildPlan({ ...merged, ...extra }, facts, stageNamespace);
  if (stageNamespace) check = false;
  const needsBlock = settle === 'fresh' && (spec.freshSources !== null || spec.freshListen !== null);
  if (!needsBlock) {
    const listen =
      spec.freshListen === null ? {} : { listen: Array.from({ length: spec.freshListen }, (_, i) => `127.0.0.${i + 1}:0`).join(',') };
    return { spec, plan: build(listen), block: null };
  }
  for (let attempt = 0; attempt < 32; attempt++) {
    const block = blockFor(seed, spec.index * 32 + attempt);
    const plan = build(addressesOf(spec, block, options.sourceBase));
    if (!check) return { spec, plan, block };
    const listenHosts = spec.freshListen !== null && plan.target.kind === 'builtin' ? plan.target.listen.map((l) => l.host) : [];
    if ((await countCarryOver({ sources: [...plan.sources, ...listenHosts] })).timeWait === 0) return { spec, plan, block };
  }
  throw new PlanError('--settle', 'settle fresh found no loopback block free of TIME_WAIT; try --settle wait');
}

function spaceOf(stage: StageResult['run']): TupleSpace {
  const range = portRangeText(stage.environment.sysctls['net.ipv4.ip_local_port_range']);
  const ports = stage.model.usablePorts ?? (stage.plan.explicitPorts ? portCount(stage.plan.explicitPorts) : range ? portCount(range) : 0);
  return { sources: Math.max(1, stage.plan.sources.length), destinations: stage.target.endpoints.length, ports };
}

/** A sweep checked and planned, before any traffic. */
interface SweepPlan {
  readonly axis: Axis;
  readonly settle: SettlePolicy;
  readonly settleTimeoutMs: number;
  readonly runOptions: RunOptions;
  readonly specs: readonly StageSpec[];
  /** Run after the stages, shown beside them, never the baseline. */
  readonly references: readonly StageSpec[];
  /** The stages' port mode when the sweep chose it (sources axis, no --port-mode), and why. */
  readonly portModeChoice: { readonly mode: PortMode; readonly why: string } | null;
  readonly facts: HostFacts;
  readonly namespace: NamespaceSpec | null;
  readonly seed: number;
}

/**
 * The port mode of a sources sweep's stages when --port-mode is not given: nobind, the path real
 * proxies take (nginx's proxy_bind, HAProxy's source: the address fixed, connect() choosing the
 * port over the whole 4-tuple), where the native engine runs the sweep; bind where the JavaScript
 * engine does, since only the native engine can set IP_BIND_ADDRESS_NO_PORT.
 */
function choosePortMode(options: RunOptions, facts: HostFacts, namespace: NamespaceSpec | null): { mode: PortMode; why: string } {
  const probe = buildPlan({ ...options, portMode: 'bind', sources: '1' }, namespace ? namespaceFacts(namespace) : facts, namespace);
  const protocol = probe.target.kind === 'external' ? probe.target.endpoint.protocol : 'http';
  const why = whyNotNative(probe, protocol);
  if (why === null)
    return {
      mode: 'nobind',
      why: "the proxies' path (nginx proxy_bind, HAProxy source): each stage binds its addresses and connect() picks the port per destination (IP_BIND_ADDRESS_NO_PORT)",
    };
  return {
    mode: 'bind',
    why: `the JavaScript engine runs this sweep (${why}), and only the native engine can leave the port to connect() (IP_BIND_ADDRESS_NO_PORT), so each stage bind()s address and port`,
  };
}

/** Checks a sweep's options and builds every stage's plan once, so bad input fails before any traffic. */
async function planSweep(options: SweepOptions): Promise<SweepPlan> {
  const axis = options.axis ?? 'sources';
  if (!AXES.includes(axis)) throw new PlanError('--axis', `--axis '${axis}' must be one of ${AXES.join(', ')}`);
  const settle = options.settle ?? 'fresh';
  if (!SETTLE_POLICIES.includes(settle))
    throw new PlanError('--settle', `--settle '${settle}' must be one of ${SETTLE_POLICIES.join(', ')}`);
  const settleTimeoutMs = parseDurationMs('--settle-timeout', options.settleTimeout ?? SWEEP_DEFAULTS.settleTimeout);
  const { axis: _a, values: _v, reference: _r, settle: _s, settleTimeout: _t, ...userOptions } = options;
  const facts = await readHostFacts();
  const namespace = await resolveNamespace(userOptions);
  const portModeChoice = axis === 'sources' && userOptions.portMode === undefined ? choosePortMode(userOptions, facts, namespace) : null;
  const runOptions: RunOptions = portModeChoice ? { ...userOptions, portMode: portModeChoice.mode } : userOptions;
  const specs = planStages(axis, options.values, runOptions, settle);
  const lastCount = specs.at(-1)?.freshSources ?? sourceCountOf(specs.at(-1)?.options.sources ?? runOptions.sources);
  const references = planReferences(axis, options.reference, specs.length, runOptions.portMode, lastCount, settle);
  if (!namespace && specs.some((s) => Object.keys(s.sysctls).length > 0)) {
    throw new PlanError(
      '--axis',
      `--axis ${axis} changes settings inside a namespace, and none can be made here: ${namespaceUnavailable() ?? 'on the host'}`,
    );
  }
  const seed = randomInt(224);
  for (const spec of [...specs, ...references]) await prepareStage(runOptions, spec, facts, namespace, settle, seed, false);
  return { axis, settle, settleTimeoutMs, runOptions, specs, references, portModeChoice, facts, namespace, seed };
}

/** Validates a sweep's options without running it (throws PlanError). */
export async function validateSweep(options: SweepOptions): Promise<void> {
  await planSweep(options);
}

/**
 * Runs one stage per axis value, the first being the baseline, each with every other option of
 * `run`. Every stage's options are validated before the first connection is made.
 */
export async function sweep(options: SweepOptions = {}, hooks: SweepHooks = {}): Promise<SweepResult> {
  const {
    axis,
    settle,
    settleTimeoutMs,
    runOptions,
    specs,
    references: referenceSpecs,
    portModeChoice,
    facts,
    namespace,
    seed,
  } = await planSweep(options);
  const startedAt = new Date().toISOString();
  const stages: StageResult[] = [];
  const references: StageResult[] = [];
  const warnings: string[] = [];
  if (settle === 'fresh' && runOptions.sources !== undefined && sourceCountOf(runOptions.sources) === null) {
    warnings.push('--sources is a list, so settle fresh cannot move it to new addresses: only the built-in target port is fresh per stage');
  }
  const all = [...specs, ...referenceSpecs];
  const { interrupted } = await walkUntilStopped(all, hooks.signal, async (spec): Promise<StepOutcome<StageResult>> => {
    const done = [...stages, ...references];
    let waited: { waitedMs: number; timeWaitLeft: number } | null = null;
    const previous = done.at(-1);
    if (settle === 'wait' && previous && !namespace) {
      waited = await waitForTimeWait(
        { sources: previous.run.plan.sources, destinations: previous.run.target.endpoints },
        settleTimeoutMs,
        hooks.signal,
      );
      if (waited.timeWaitLeft > 0)
        warnings.push(
          `stage ${spec.index + 1} started with ${waited.timeWaitLeft} TIME_WAIT sockets of stage ${spec.index} left after waiting ${Math.round(waited.waitedMs / 1000)} s`,
        );
    }
    const prepared = await prepareStage(runOptions, spec, facts, namespace, settle, seed, true);
    const run = await executePlan(prepared.plan, {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.onProgress
        ? { onProgress: (p: Progress) => hooks.onProgress!({ index: spec.index, count: all.length, axisValue: spec.axisValue }, p) }
        : {}),
    });
    // The signal came before this stage sent anything: it did not run.
    if (run.interrupted && run.totals.attempts === 0) return null;
    const stageSettle: StageSettle = {
      policy: settle,
      block: prepared.block,
      waitedMs: waited?.waitedMs ?? null,
      timeWaitLeft: waited?.timeWaitLeft ?? null,
    };
    const stageResult: StageResult = { index: spec.index, axisValue: spec.axisValue, settle: stageSettle, space: spaceOf(run), run };
    (referenceSpecs.includes(spec) ? references : stages).push(stageResult);
    hooks.onStageDone?.({ index: spec.index, count: all.length, axisValue: spec.axisValue }, stageResult);
    return { result: stageResult, interrupted: run.interrupted };
  });
  return {
    ...resultHeader('sweep', startedAt, interrupted),
    axis,
    values: specs.map((s) => s.axisValue),
    settle: { policy: settle, timeoutMs: settleTimeoutMs },
    environment: stages[0]?.run.environment ?? null,
    stages,
    references,
    ...(portModeChoice ? { portModeChoice } : {}),
    warnings,
  };
}
