import { readFile, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AnyResult } from './read-result.js';
import { writeFileAtomically } from './write-result.js';

/** One line of results/index.json: what ran, when, and where its files are. */
export interface IndexEntry {
  readonly file: string;
  readonly kind: AnyResult['kind'];
  readonly startedAt: string;
  readonly endedAt: string;
  readonly interrupted: boolean;
  /** Report files beside it. */
  readonly reports: readonly string[];
  /** One line to recognise it by. */
  readonly what: string;
}

function describe(result: AnyResult): string {
  switch (result.kind) {
    case 'run':
      return `run: ${result.target.url}, ${result.plan.sources.length || 'kernel'} sources, ${result.plan.portMode}, close ${result.plan.close}: ${result.totals.ok} ok, ${result.totals.errorCount} errors`;
    case 'sweep':
      return `sweep: ${result.axis} ${result.values.join(',')}, ${result.stages.length} stages`;
    case 'lab':
      return `lab: profiles ${result.profiles.map((p) => p.name).join(',')}`;
    case 'proxy':
      return `proxy: ${result.variants.map((v) => `${v.kind} ${v.variant}`).join(',')}`;
    case 'nat':
      return `nat: ${result.scene.kind} to ${result.scene.natAddresses} NAT address(es), ports ${result.stages.map((s) => s.label).join(',')}`;
  }
}

/**
 * Adds a result to `dir/index.json` (written atomically, writeFileAtomically). A
 * missing or unreadable index starts afresh; the broken one is kept beside it.
 */
export async function addToIndex(dir: string, resultPath: string, result: AnyResult, reports: readonly string[]): Promise<void> {
  const path = join(dir, 'index.json');
  let entries: IndexEntry[] = [];
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (!Array.isArray(parsed)) throw new Error('index.json is not a list');
    entries = parsed as IndexEntry[];
  } catch (error) {
    // Never overwrite what cannot be read: keep it beside the new index.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') await rename(path, `${path}.unreadable-${Date.now()}`).catch(() => {});
  }
  entries.push({
    file: basename(resultPath),
    kind: result.kind,
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    interrupted: result.interrupted,
    reports: reports.map((r) => basename(r)),
    what: describe(result),
  });
  await writeFileAtomically(path, `${JSON.stringify(entries, null, 2)}\n`, true);
}
