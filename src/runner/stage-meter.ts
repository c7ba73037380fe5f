import { cpuSince, processCpuTime } from '../env/cpu-time.js';
import { counterDelta, readKernelCounters } from '../env/kernel-counters.js';
import type { StageCpu } from '../result/limited-by.js';
import type { CpuTime, KernelCounterDelta, KernelCounters } from '../result/environment.js';
import type { TargetStats } from '../result/target-stats.js';
import type { BuiltinTarget } from '../builtin-target/builtin-target.js';

/**
 * The kernel's own account and the CPU each side spent over one stage: read before the load,
 * the process's CPU when the load ends, the rest once the target has closed.
 */
export class StageMeter {
  private processCpu: CpuTime | null = null;

  private constructor(
    private readonly countersBefore: KernelCounters | null,
    private readonly targetBefore: TargetStats | null,
    private readonly processCpuBefore: CpuTime,
  ) {}

  /** Reads the starting point; `target` is the built-in target in this process, if any. */
  static async start(target: BuiltinTarget | null): Promise<StageMeter> {
    const counters = await readKernelCounters();
    const targetBefore = target ? await target.stats() : null;
    return new StageMeter(counters, targetBefore, processCpuTime());
  }

  /** The load has ended: what this process spent from the start until now. */
  loadEnded(): void {
    this.processCpu = cpuSince(this.processCpuBefore, processCpuTime());
  }

  /**
   * The kernel counters' change (read now, so after the last socket sample) and the CPU split
   * between generator and target (the target's thread lives in this process: what it spent is
   * not the generator's).
   */
  async finish(
    stats: TargetStats | null,
    wallMs: number,
    generatorThreads: number,
    scope: KernelCounterDelta['scope'],
  ): Promise<{ kernel: KernelCounterDelta | null; cpu: StageCpu }> {
    const countersAfter = await readKernelCounters();
    const kernel = this.countersBefore && countersAfter ? counterDelta(this.countersBefore, countersAfter, scope) : null;
    const processCpu = this.processCpu ?? cpuSince(this.processCpuBefore, processCpuTime());
    const before = this.targetBefore;
    const targetCpu = before?.cpu && stats?.cpu ? cpuSince(before.cpu, stats.cpu) : null;
    // The native target's threads one by one: one busy thread holds the rate even when the others idle.
    const threadsBefore = before?.threadCpu ?? [];
    const threadsAfter = stats?.threadCpu ?? [];
    const perThread =
      threadsAfter.length > 1 && threadsAfter.length === threadsBefore.length && threadsAfter.every((t, i) => t && threadsBefore[i])
        ? threadsAfter.map((t, i) => cpuSince(threadsBefore[i]!, t!))
        : null;
    return {
      kernel,
      cpu: {
        wallMs,
        generator: targetCpu ? cpuSince(targetCpu, processCpu) : processCpu,
        target: targetCpu,
        generatorThreads,
        ...(perThread ? { targetThreads: perThread } : {}),
      },
    };
  }
}
