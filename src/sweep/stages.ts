import { PlanError } from '../errors.js';
import type { RunOptions } from '../plan/build-plan.js';
import type { PortMode } from '../plan/plan.js';
import { parsePositiveInt, parsePositiveNumber } from '../plan/units.js';
import { portRangeOf, type SysctlSet } from '../plan/sysctls.js';
import { type Axis, type SettlePolicy, AXES, type Reference, REFERENCES } from '../plan/sweep-axes.js';

/** Default values per axis. */
export const DEFAULT_VALUES: Record<Axis, string> = {
  sources: '1,2,4,8,16',
  'dst-addresses': '1,2,4,8',
  'dst-ports': '1,2,4,8',
  rate: '500,1000,2000,4000',
  'port-mode': 'kernel,bind,explicit',
  close: 'client,server,reset,keepalive',
  'port-range': '1000,2000,4000',
};

/** One stage before it runs: its axis value and the run options it adds to the sweep's. */
export interface StageSpec {
  readonly index: number;
  readonly axisValue: string;
  /** Options this stage sets on top of the sweep's own. */
  readonly options: RunOptions;
  /** The stage counts addresses from a block the sweep moves per stage (settle fresh). */
  readonly freshSources: number | null;
  /** Built-in target addresses this stage listens on, from a fresh block (dst-addresses axis). */
  readonly freshListen: number | null;
  /** Settings this stage writes in its namespace on top of the sweep's (port-range axis). */
  readonly sysctls: SysctlSet;
}

/** A whole-number `--sources` (a count the sweep can move to fresh addresses), or null for a list, range or block. */
export function sourceCountOf(sources: string | number | undefined): number | null {
  return sources !== undefined && /^\d+$/.test(String(sources).trim()) ? Number(sources) : null;
}

function listOf(text: string): string[] {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * Turns `--axis` and `--values` into stage specs. Pure: addresses are assigned later, when the
 * sweep knows which blocks are free.
 */
export function planStages(axis: Axis, valuesText: string | undefined, options: RunOptions, settle: SettlePolicy): StageSpec[] {
  if (!AXES.includes(axis)) throw new PlanError('--axis', `--axis '${axis}' must be one of ${AXES.join(', ')}`);
  const values = listOf(valuesText ?? DEFAULT_VALUES[axis]);
  if (values.length === 0) throw new PlanError('--values', '--values names no stage');
  const sourceCount = sourceCountOf(options.sources);
  const fresh = settle === 'fresh';
  if (axis === 'port-range' && (options.netns === false || options.target !== undefined)) {
    throw new PlanError(
      '--axis',
      '--axis port-range changes ip_local_port_range, which portchurn does only inside a namespace of its own: drop --no-netns and --target (or use portchurn lab)',
    );
  }
  if (options.target !== undefined && (axis === 'dst-addresses' || axis === 'dst-ports')) {
    throw new PlanError('--axis', `--axis ${axis} grows the built-in target's listeners; it does not apply with --target`);
  }
  return values.map((value, index): StageSpec => {
    const base = { index, axisValue: value, freshListen: null as number | null, sysctls: {} as SysctlSet };
    switch (axis) {
      case 'sources': {
        const count = parsePositiveInt('--values', value);
        // Every stage, the baseline too, in one port mode: the address count is the only variable.
        const mode: PortMode = options.portMode ?? 'bind';
        if (mode === 'kernel')
          throw new PlanError(
            '--port-mode',
            '--axis sources binds each stage to its addresses: use --port-mode bind or explicit (the unbound kernel path is the reference row, --reference kernel)',
          );
        return { ...base, options: { portMode: mode, sources: String(count) }, freshSources: fresh ? count : null };
      }
      case 'dst-addresses': {
        const count = parsePositiveInt('--values', value);
        return { ...base, freshListen: count, options: {}, freshSources: fresh ? sourceCount : null };
      }
      case 'dst-ports': {
        const count = parsePositiveInt('--values', value);
        return {
          ...base,
          options: { listen: Array.from({ length: count }, () => '127.0.0.1:0').join(',') },
          freshSources: fresh ? sourceCount : null,
        };
      }
      case 'rate':
        parsePositiveNumber('--values', value);
        return { ...base, options: { rate: value }, freshSources: fresh ? sourceCount : null };
      case 'port-mode': {
        if (!['kernel', 'bind', 'explicit'].includes(value))
          throw new PlanError('--values', `--values '${value}' is not a port mode (kernel, bind, explicit)`);
        if (value === 'kernel') return { ...base, options: { portMode: 'kernel', sources: undefined }, freshSources: null };
        const count = sourceCount ?? 1;
        return { ...base, options: { portMode: value as PortMode, sources: String(count) }, freshSources: fresh ? count : null };
      }
      case 'port-range':
        return {
          ...base,
          sysctls: { 'net.ipv4.ip_local_port_range': portRangeOf(parsePositiveInt('--values', value)) },
          options: {},
          freshSources: fresh ? sourceCount : null,
        };
      case 'close':
        if (!['client', 'server', 'reset', 'keepalive'].includes(value))
          throw new PlanError('--values', `--values '${value}' is not a close policy (client, server, reset, keepalive)`);
        return { ...base, options: { close: value as RunOptions['close'] }, freshSources: fresh ? sourceCount : null };
    }
  });
}

/** The reference rows a sweep runs by default: beside nobind stages bind and kernel, beside bind stages kernel. */
export function defaultReferences(axis: Axis, stagePortMode: PortMode | undefined): Reference[] {
  if (axis !== 'sources') return [];
  return stagePortMode === 'nobind' ? ['bind', 'kernel'] : ['kernel'];
}

/**
 * The reference rows of a sweep, run after its stages and never its baseline. `kernel` is one
 * unbound connect() per attempt (no bind(), the kernel picks address and port, tcp_tw_reuse
 * applies), the path of a client that names no source; `bind` binds address and port over as
 * many addresses as the last stage (`lastCount`), beside nobind stages the same space through
 * bind()'s port search. `text` is a comma list, or `none`; absent: `defaultReferences`.
 */
export function planReferences(
  axis: Axis,
  text: string | undefined,
  firstIndex: number,
  stagePortMode: PortMode | undefined,
  lastCount: number | null,
  settle: SettlePolicy,
): StageSpec[] {
  const names = text === undefined ? defaultReferences(axis, stagePortMode) : listOf(text);
  for (const name of names)
    if (!(REFERENCES as readonly string[]).includes(name))
      throw new PlanError('--reference', `--reference '${name}' must be among ${REFERENCES.join(', ')}`);
  if (names.includes('none') && names.length > 1) throw new PlanError('--reference', "--reference 'none' stands alone");
  const base = { freshListen: null, sysctls: {} };
  return names
    .filter((name) => name !== 'none')
    .map((name, i): StageSpec => {
      const index = firstIndex + i;
      if (name === 'kernel')
        return { ...base, index, axisValue: 'kernel', options: { portMode: 'kernel', sources: undefined }, freshSources: null };
      const count = lastCount ?? 1;
      return {
        ...base,
        index,
        axisValue: `${count} bind`,
        options: { portMode: 'bind', sources: String(count) },
        freshSources: settle === 'fresh' ? count : null,
      };
    });
}

/**
 * The loopback block (second octet) a stage's fresh addresses come from: 127.<block>.0.1 upward.
 * Blocks start at 16 (127.0.x.x is what everything else on the host uses) and move with a
 * per-sweep seed, so two sweeps a minute apart do not meet each other's TIME_WAIT either.
 */
export function blockFor(seed: number, attempt: number): number {
  return 16 + ((seed + attempt) % 224);
}
