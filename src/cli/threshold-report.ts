import type { AnyResult } from '../result/read-result.js';
import type { RunResult } from '../result/result.js';
import { describeOutcome, parseThreshold } from '../thresholds/thresholds.js';

/** Lines naming every failed `--fail-on` threshold of a run or of each sweep stage. */
export function failedThresholds(result: AnyResult): string[] {
  const runs: { stage: number | null; run: RunResult }[] =
    result.kind === 'run' ? [{ stage: null, run: result }] : result.kind === 'sweep' ? result.stages.map((s) => ({ stage: s.index + 1, run: s.run })) : [];
  return runs.flatMap(({ stage, run }) =>
    (run.thresholds ?? []).filter((o) => o.failed).map((o) => `threshold failed: ${describeOutcome({ ...o, stage }, parseThreshold(o.text).metric)}`),
  );
}
