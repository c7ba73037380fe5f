/**
 * portchurn as a library: `import { run } from 'portchurn'`. Nothing here prints; reporters
 * return text.
 */
export { run, runPlan, type RunHooks } from './run.js';
export { buildPlan, type RunOptions, type HostFacts } from './plan/build-plan.js';
export { PLAN_DEFAULTS, type Plan, type PortMode, type ClosePolicy, type LoadModel } from './plan/plan.js';
export { parseSources, isLoopback } from './plan/addresses.js';
export { parseTarget, checkTargetAllowed } from './plan/target-url.js';
export { RESULT_SCHEMA, type RunResult, type RunLatency } from './result/result.js';
export { writeResultFile } from './result/write-result.js';
export { renderRunSummary } from './report/terminal.js';
export { renderProgress } from './report/progress.js';
export { decodeHistogram, summarize, type LatencySummary, type EncodedHistogram } from './engine/histogram.js';
export { KNOWN_ERROR_CODES, type ErrorCode } from './engine/error-codes.js';
export type { Progress } from './engine/engine.js';
export { startBuiltinTarget, type BuiltinTarget } from './target/builtin-target.js';
export type { TargetStats, TargetOptions } from './target/stats.js';
export { readEnvironment, readHostFacts, type Environment } from './env/environment.js';
export { readTcpSockets, parseProcNetTcp, type TcpSocketEntry } from './env/proc-net-tcp.js';
export { PortchurnError, PlanError, PreflightError, TargetError, ResultFileError, ResultInputError } from './errors.js';
export { sweep, validateSweep, type SweepOptions, type SweepHooks } from './sweep/sweep.js';
export type { SweepResult, StageResult } from './sweep/sweep-result.js';
export { lab, type LabOptions, type LabResult } from './lab/lab.js';
export { nginxScenario, type NginxOptions, type NginxResult } from './nginx/scenario.js';
export { readLimits, type LimitsReport } from './limits/limits.js';
export { predictCapacity, type ModelInput, type Prediction } from './model/capacity.js';
export { parseThreshold, evaluateThresholds, type Threshold, type ThresholdOutcome } from './thresholds/thresholds.js';
export { readResult, validateResult, type AnyResult } from './result/read-result.js';
export { mergeRunResults } from './result/merge-results.js';
export { renderMarkdown } from './report/markdown.js';
export { renderHtml } from './report/html.js';
export { renderHgrm } from './report/hgrm.js';
export { renderSweepSummary } from './report/sweep-terminal.js';
