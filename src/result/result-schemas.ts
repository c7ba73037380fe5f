import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { RESULT_SCHEMA } from './header.js';

/**
 * The JSON Schema of each kind of document portchurn writes, and the TypeScript type it is
 * generated from (`npm run schemas` writes `schemas/<name>.schema.json`; a test fails when a
 * committed schema is not what the types give). `merge` is a run result with `hosts`.
 */
export const RESULT_SCHEMA_TYPES = {
  run: 'RunResult',
  merge: 'MergedRunResult',
  sweep: 'SweepResult',
  lab: 'LabResult',
  proxy: 'ProxyResult',
  nat: 'NatResult',
  watch: 'WatchSample',
  'watch-node': 'WatchNodeSample',
} as const;

/** A schema's name: `run`, `merge`, `sweep`, `lab`, `proxy`, `nat`, `watch`, `watch-node`. */
export type ResultSchemaName = keyof typeof RESULT_SCHEMA_TYPES;

/** Where the schemas are: `schemas/` at the package's root (dist/src/result/ is three levels below it). */
export const SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));

/** A schema's `$id`: the result's schema version and the kind (`urn:portchurn:result@1:run`). */
export function schemaId(name: ResultSchemaName): string {
  return `urn:${RESULT_SCHEMA.replace('/', ':')}:${name}`;
}

/** The schema a document is checked against, from its `kind` (and `hosts` for a merge); null for a kind with none. */
export function schemaNameOf(doc: unknown): ResultSchemaName | null {
  const d = doc as { kind?: unknown; hosts?: unknown } | null;
  if (typeof d !== 'object' || d === null) return null;
  if (d.kind === 'run') return d.hosts === undefined ? 'run' : 'merge';
  return typeof d.kind === 'string' && d.kind in RESULT_SCHEMA_TYPES ? (d.kind as ResultSchemaName) : null;
}

let ajv: Ajv | undefined;
const validators = new Map<ResultSchemaName, ValidateFunction>();

function validatorOf(name: ResultSchemaName): ValidateFunction {
  let v = validators.get(name);
  if (!v) {
    ajv ??= new Ajv({ allErrors: true, strict: true });
    const schema = JSON.parse(readFileSync(`${SCHEMAS_DIR}${name}.schema.json`, 'utf8')) as object;
    v = ajv.compile(schema);
    validators.set(name, v);
  }
  return v;
}

/**
 * Checks a document against its kind's schema: the problems, one line each (`/totals/okPerSec
 * must be number`, `/plan must NOT have additional properties (extra)`), empty when it conforms.
 */
export function checkResultSchema(doc: unknown): string[] {
  const name = schemaNameOf(doc);
  if (name === null) return ['the document has no kind portchurn writes a schema for'];
  const validate = validatorOf(name);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    return `${name}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra ? ` (${extra})` : ''}`;
  });
}
