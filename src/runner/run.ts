import type { RunOptions } from '../plan/build-plan.js';
import { buildPlan } from '../plan/build-plan.js';
import { namespaceFacts } from '../plan/namespace.js';
import type { Plan } from '../plan/plan.js';
import { readHostFacts } from '../env/environment.js';
import { resolveNamespace } from '../env/resolve-namespace.js';
import type { RunResult } from '../result/result.js';
import { runPlan, type RunHooks } from './run-plan.js';
import { runPlanInNamespace } from './run-in-namespace.js';

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
export function executePlan(plan: Plan, hooks: RunHooks = {}): Promise<RunResult> {
  return plan.netns ? runPlanInNamespace(plan, hooks) : runPlan(plan, hooks);
}

/** Builds the plan from user options and runs it, on the host or in a fresh network namespace. */
export async function run(options: RunOptions = {}, hooks: RunHooks = {}): Promise<RunResult> {
  return executePlan(await resolvePlan(options), hooks);
}
