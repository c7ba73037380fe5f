import { checkResultSchema } from '../result/result-schemas.js';
import { printError, type CliIo } from './output.js';

/** True when every document written is to be checked against its schema (`npm test` sets it). */
export function strictSchema(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PORTCHURN_STRICT_SCHEMA === '1';
}

/**
 * With PORTCHURN_STRICT_SCHEMA=1, checks a document just written against its kind's JSON Schema
 * and prints each problem; false when it does not conform (the caller exits EXIT.schema). Off,
 * it checks nothing: a user's run never pays for it or fails by it.
 */
export function conformsWhenStrict(io: CliIo, doc: unknown): boolean {
  if (!strictSchema()) return true;
  const problems = checkResultSchema(doc);
  for (const p of problems) printError(io, `schema: ${p}`);
  return problems.length === 0;
}
