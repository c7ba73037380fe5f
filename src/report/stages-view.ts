import type { RunResult } from '../result/result.js';
import { portCount, portRangeText } from '../plan/ports.js';
import type { StageResult, SweepResult } from '../result/sweep-result.js';

/** A result as reports see it: one or more stages, the first being the baseline. */
export interface StagesView {
  readonly title: string;
  /** Axis name, or null for a single run. */
  readonly axis: string | null;
  readonly settle: string;
  readonly stages: readonly StageResult[];
  /** Labelled reference rows beside the stages (bind and the unbound kernel path beside a sources sweep). */
  readonly references: readonly StageResult[];
  /** The stages' port mode when the sweep chose it, and why; null when the user chose (and for runs). */
  readonly portModeLine: string | null;
  /** One line when stages shared the host's network namespace with every other program; null when each had its own. */
  readonly sharedHost: string | null;
  /** One line on what the stages' namespaces changed from the host's settings (the default upstream view); null otherwise. */
  readonly namespaceLine: string | null;
  readonly interrupted: boolean;
  readonly startedAt: string;
  readonly warnings: readonly string[];
}

const SETTLE_TEXT: Record<string, string> = {
  fresh: 'fresh: each stage used source addresses and a target port no earlier stage had used',
  wait: 'wait: each stage waited until the TIME_WAIT of the stage before was gone',
  none: 'none: stages inherited the TIME_WAIT of the stages before them',
  single: 'single run',
  netns: 'namespace: each stage ran in a fresh network namespace of its own, so nothing carried over',
  netnsRun: 'namespace: the run had a fresh network namespace of its own',
};

/**
 * The line a report opens with when runs shared the host's network namespace: its TIME_WAIT
 * table, port range and counters were everyone's, and each stage inherited what the ones before left.
 */
export function sharedHostLine(runs: readonly RunResult[]): string | null {
  const onHost = runs.filter((r) => r.plan.netns === null);
  if (onHost.length === 0) return null;
  const reasons = [...new Set(onHost.map((r) => r.plan.hostReason ?? 'the result does not say why'))].join('; ');
  const which =
    onHost.length === runs.length ? (runs.length === 1 ? 'This run' : 'Every stage') : `${onHost.length} of ${runs.length} stages`;
  const loopback = onHost.some((r) => r.environment.sysctls['net.ipv4.tcp_tw_reuse'] === '2')
    ? "; and this host's tcp_tw_reuse=2 gives loopback TIME_WAIT ports back to connect() after 1 s, which a proxy's upstream on another host does not get (loopback's exception applies here)"
    : '';
  return `Shared host: ${which} ran in the host's network namespace (${reasons}), sharing its TIME_WAIT table, port range and kernel counters with every other program${runs.length > 1 ? ' and with each other' : ''}${loopback}.`;
}

/** The default profile's line: the upstream view, and the TIME_WAIT table sized to each stage. */
export function namespaceLine(runs: readonly RunResult[]): string | null {
  const note = runs.find((r) => r.plan.netns?.note)?.plan.netns?.note;
  if (!note) return null;
  const sizes = runs
    .filter((r) => r.plan.netns?.sizeTwTable)
    .map((r) => Number(r.plan.netns!.sysctls['net.ipv4.tcp_max_tw_buckets'] ?? 0))
    .filter((n) => n > 0);
  const n = (x: number): string => x.toLocaleString('en-US');
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes);
  const table =
    sizes.length > 0
      ? `; tcp_max_tw_buckets sized to each ${runs.length > 1 ? 'stage' : 'run'}'s 4-tuple space (${n(lo)}${hi > lo ? ` to ${n(hi)}` : ''}), so no close skips TIME_WAIT for want of room`
      : '';
  return `Namespaces: ${note}${table}.`;
}

/** Views a run result as a one-stage sweep, so every report handles both kinds. */
export function stagesOf(result: RunResult | SweepResult): StagesView {
  if (result.kind === 'sweep') {
    return {
      title: `portchurn sweep: ${result.axis} ${result.values.join(', ')}`,
      axis: result.axis,
      settle: result.stages[0]?.run.plan.netns ? SETTLE_TEXT.netns! : (SETTLE_TEXT[result.settle.policy] ?? result.settle.policy),
      stages: result.stages,
      references: result.references ?? [],
      portModeLine: result.portModeChoice ? `Port mode ${result.portModeChoice.mode}: ${result.portModeChoice.why}.` : null,
      sharedHost: sharedHostLine([...result.stages, ...(result.references ?? [])].map((s) => s.run)),
      namespaceLine: namespaceLine([...result.stages, ...(result.references ?? [])].map((s) => s.run)),
      interrupted: result.interrupted,
      startedAt: result.startedAt,
      warnings: [
        ...result.warnings,
        ...result.stages.flatMap((s) => s.run.warnings.map((w) => `stage ${s.index + 1}: ${w}`)),
        ...(result.references ?? []).flatMap((s) => s.run.warnings.map((w) => `reference ${s.axisValue}: ${w}`)),
      ],
    };
  }
  const range = portRangeText(result.environment.sysctls['net.ipv4.ip_local_port_range']);
  const stage: StageResult = {
    index: 0,
    axisValue: result.plan.sources.length === 0 ? 'kernel' : `${result.plan.sources.length}`,
    settle: { policy: 'none', block: null, waitedMs: null, timeWaitLeft: null },
    space: {
      sources: Math.max(1, result.plan.sources.length),
      destinations: result.target.endpoints.length,
      ports: result.model.usablePorts ?? (range ? portCount(range) : 0),
    },
    run: result,
  };
  return {
    title: 'portchurn run',
    axis: null,
    settle: result.plan.netns ? SETTLE_TEXT.netnsRun! : SETTLE_TEXT.single!,
    stages: [stage],
    references: [],
    portModeLine: null,
    sharedHost: sharedHostLine([result]),
    namespaceLine: namespaceLine([result]),
    interrupted: result.interrupted,
    startedAt: result.startedAt,
    warnings: result.warnings,
  };
}
