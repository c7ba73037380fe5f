import type { AnyResult } from '../result/read-result.js';
import type { RunResult } from '../result/result.js';
import { describeOutcome } from '../result/thresholds.js';
import { parseThreshold } from '../plan/thresholds.js';

/** Lines naming every failed `--fail-on` threshold of a run, of each sweep stage, or of each stage of each lab profile. */
export function failedThresholds(result: AnyResult): string[] {
  const runs: { label: string; stage: number | null; run: RunResult }[] =
    result.kind === 'run'
      ? [{ label: '', stage: null, run: result }]
      : result.kind === 'sweep'
        ? result.stages.map((s) => ({ label: '', stage: s.index + 1, run: s.run }))
        : result.kind === 'lab'
          ? result.profiles.flatMap((p) => p.sweep.stages.map((s) => ({ label: `profile ${p.name}, `, stage: s.index + 1, run: s.run })))
          : [];
  return runs.flatMap(({ label, stage, run }) =>
    (run.thresholds ?? [])
      .filter((o) => o.failed)
      .map((o) => `threshold failed: ${label}${describeOutcome({ ...o, stage }, parseThreshold(o.text).metric)}`),
  );
}
