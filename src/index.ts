/**
 * portchurn as a library: `import { run } from 'portchurn'`. Nothing here prints; reporters
 * return text.
 */
export { run, resolvePlan, executePlan } from './runner/run.js';
export { runPlan, type RunHooks } from './runner/run-plan.js';
export { buildPlan, type RunOptions } from './plan/build-plan.js';
export type { HostFacts } from './plan/namespace.js';
export { PLAN_DEFAULTS, type Plan, type PortMode, type ClosePolicy, type LoadModel } from './plan/plan.js';
export { parseSources, isLoopback } from './plan/addresses.js';
export { parseTarget, checkTargetAllowed } from './plan/target-url.js';
export type { RunResult, RunLatency } from './result/result.js';
export { RESULT_SCHEMA, resultHeader, type ResultHeader } from './result/header.js';
export { writeResultFile } from './result/write-result.js';
export { renderRunSummary } from './report/terminal.js';
export { renderProgress } from './report/progress.js';
export { decodeHistogram, summarize } from './result/histogram.js';
export type { LatencySummary, EncodedHistogram } from './result/latency.js';
export { KNOWN_ERROR_CODES, type ErrorCode } from './result/error-codes.js';
export type { Progress } from './result/progress.js';
export { startBuiltinTarget, type BuiltinTarget } from './target/builtin-target.js';
export type { TargetOptions } from './target/stats.js';
export type { TargetStats } from './result/target-stats.js';
export { readEnvironment, readHostFacts } from './env/environment.js';
export type { Environment } from './result/environment.js';
export { readTcpSockets, parseProcNetTcp, type TcpSocketEntry } from './env/proc-net-tcp.js';
export { PortchurnError, PlanError, PreflightError, TargetError, ResultFileError, ResultInputError } from './errors.js';
export { sweep, validateSweep, type SweepOptions, type SweepHooks } from './sweep/sweep.js';
export type { SweepResult, StageResult } from './result/sweep-result.js';
export { lab, type LabOptions } from './lab/lab.js';
export type { LabResult } from './result/lab-result.js';
export { nginxScenario, type NginxOptions } from './nginx/scenario.js';
export type { NginxResult } from './result/nginx-result.js';
export { readLimits } from './limits/limits.js';
export type { LimitsReport } from './result/limits-report.js';
export { predictCapacity, type ModelInput } from './model/capacity.js';
export type { Prediction } from './result/prediction.js';
export { parseThreshold, type Threshold } from './plan/thresholds.js';
export { evaluateThresholds } from './result/thresholds.js';
export type { ThresholdOutcome } from './result/threshold-outcome.js';
export { readResult, validateResult, type AnyResult } from './result/read-result.js';
export { mergeRunResults } from './runner/merge-results.js';
export { renderMarkdown } from './report/markdown.js';
export { renderHtml } from './report/html.js';
export { renderHgrm } from './report/hgrm.js';
export { renderSweepSummary } from './report/sweep-terminal.js';
