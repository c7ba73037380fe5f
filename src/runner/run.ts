import type { RunOptions } from '../plan/build-plan.js';
import { buildPlan } from '../plan/build-plan.js';
import { namespaceFacts } from '../plan/namespace.js';
import type { Plan } from '../plan/plan.js';
import { readHostFacts } from '../env/environment.js';
import { resolveNamespace } from '../env/resolve-namespace.js';
import type { RunResult } from '../result/result.js';
import { runPlan, type RunHooks } from './run-plan.js';
import { runPlanInNamespace } from './run-in-namespace.js';
import { probePortSearch } from './port-search-probe.js';
import { withPortSearch } from '../model/model-for-run.js';

/**
 * The plan for user options: where it runs (a namespace of its own, or the host, and why) and
 * the port range it plans with (the namespace's, or this host's). Bad input throws PlanError.
 */
export async function resolvePlan(options: RunOptions): Promise<Plan> {
  const namespace = await resolveNamespace(options);
  return buildPlan(options, namespace ? namespaceFacts(namespace) : await readHostFacts(), namespace);
}

/**
 * Runs a plan where it says: in a fresh network namespace when `plan.netns` is set (a child
 * process under `unshare -n`), in this process on the host otherwise. The one place that choice
 * is made, for run, sweep and lab alike.
 */
export async function executePlan(plan: Plan, hooks: RunHooks = {}): Promise<RunResult> {
  return withCalibratedPortSearch(await (plan.netns ? runPlanInNamespace(plan, hooks) : runPlan(plan, hooks)));
}

/**
 * The run with the kernel's port search in its model. A run whose ports stayed held past the fall
 * (pairs x half the range for connect(), a quarter for bind()) gets the probe's calibration (run
 * once per process, in a namespace of its own, after the load so it never competes with it) and
 * the stage's expected ok/s; one that never reached the fall needs neither.
 */
async function withCalibratedPortSearch(run: RunResult): Promise<RunResult> {
  const uncalibrated = withPortSearch(run, null);
  if (!uncalibrated.model.portSearch) {
    const { portSearch: _none, ...environment } = uncalibrated.environment;
    return { ...uncalibrated, environment };
  }
  const { calibration, why } = await probePortSearch();
  const calibrated = withPortSearch(run, calibration);
  return why ? { ...calibrated, warnings: [...calibrated.warnings, `the port search is not calibrated: ${why}`] } : calibrated;
}

/** Builds the plan from user options and runs it, on the host or in a fresh network namespace. */
export async function run(options: RunOptions = {}, hooks: RunHooks = {}): Promise<RunResult> {
  return executePlan(await resolvePlan(options), hooks);
}
