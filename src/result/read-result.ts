import { readFile } from 'node:fs/promises';
import { ResultInputError } from '../errors.js';
import type { SweepResult } from './sweep-result.js';
import { type RunResult } from './result.js';
import type { LabResult } from './lab-result.js';
import type { ProxyResult, ProxyVariantResult } from './proxy-result.js';
import { RESULT_SCHEMA } from './header.js';
import type { NatResult } from './nat-result.js';

/** Any result portchurn writes. */
export type AnyResult = RunResult | SweepResult | LabResult | ProxyResult | NatResult;

/**
 * A result of `portchurn nginx` from before the proxy scenario (kind `nginx`), as a proxy result:
 * every variant nginx's, in HTTP, without the counters and churn reading it did not record.
 */
function fromNginxResult(n: Partial<ProxyResult>): ProxyResult {
  const variants = (n.variants ?? []).map((v): ProxyVariantResult => ({
    ...v,
    kind: 'nginx',
    mode: 'http',
    counters: null,
    churn: null,
    proxyExit: null,
  }));
  return { ...(n as ProxyResult), kind: 'proxy', kinds: ['nginx'], variants, skipped: [] };
}

/** Checks parsed JSON is a result this version understands. */
export function validateResult(path: string, data: unknown): AnyResult {
  const d = data as { schema?: unknown; kind?: unknown } | null;
  if (typeof d !== 'object' || d === null || typeof d.schema !== 'string')
    throw new ResultInputError(path, `${path} is not a portchurn result (no schema field)`);
  const m = /^portchurn\/result@(\d+)$/.exec(d.schema);
  if (!m) throw new ResultInputError(path, `${path} has schema '${d.schema}', not a portchurn result`);
  const current = Number(RESULT_SCHEMA.split('@')[1]);
  if (Number(m[1]) > current)
    throw new ResultInputError(
      path,
      `${path} was written with the newer schema ${d.schema}; this portchurn reads ${RESULT_SCHEMA}: upgrade portchurn`,
    );
  if (d.kind === 'run') {
    const r = d as Partial<RunResult>;
    if (!r.plan || !r.totals || !r.latency || !r.environment || !r.model)
      throw new ResultInputError(path, `${path} is a run result with fields missing (truncated or edited?)`);
  } else if (d.kind === 'sweep') {
    const s = d as Partial<SweepResult>;
    if (!Array.isArray(s.stages) || !s.stages.every((st) => st?.run?.totals && st.run.latency && st.run.model)) {
      throw new ResultInputError(path, `${path} is a sweep result with stages missing or incomplete (truncated or edited?)`);
    }
  } else if (d.kind === 'lab') {
    const l = d as Partial<LabResult>;
    if (
      !Array.isArray(l.profiles) ||
      !l.profiles.every(
        (p) =>
          Array.isArray(p?.sweep?.stages) &&
          p.sweep.stages.every((st: { run?: RunResult }) => st?.run?.totals && st.run.latency && st.run.model),
      )
    ) {
      throw new ResultInputError(path, `${path} is a lab result with profiles missing or incomplete (truncated or edited?)`);
    }
  } else if (d.kind === 'proxy' || d.kind === 'nginx') {
    const n = d as Partial<ProxyResult>;
    if (!Array.isArray(n.variants) || !n.variants.every((v) => v?.client?.totals && v.client.latency && v.upstream && v.config)) {
      throw new ResultInputError(path, `${path} is a ${d.kind} result with variants missing or incomplete (truncated or edited?)`);
    }
    if (d.kind === 'nginx') return fromNginxResult(n);
  } else if (d.kind === 'nat') {
    const n = d as Partial<NatResult>;
    if (!n.scene || !Array.isArray(n.stages) || !n.stages.every((s) => s?.client?.totals && s.client.latency && s.conntrack && s.model))
      throw new ResultInputError(path, `${path} is a nat result with stages missing or incomplete (truncated or edited?)`);
  } else {
    throw new ResultInputError(path, `${path} has an unknown kind '${String(d.kind)}'`);
  }
  return d as AnyResult;
}

/** Reads and validates a result file. */
export async function readResult(path: string): Promise<AnyResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ResultInputError(path, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ResultInputError(path, `${path} is not valid JSON (truncated or corrupt?): ${(error as Error).message}`, { cause: error });
  }
  return validateResult(path, data);
}
