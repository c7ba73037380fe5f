import { PlanError } from '../errors.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the tool sets itself: Connection follows `--close`, the length follows `--body`. */
const RESERVED = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);

/**
 * Parses repeated `--header 'Name: value'` options. CR and LF are refused anywhere, so no
 * option can smuggle a second header or request into what the target receives.
 */
export function parseHeaders(values: readonly string[], option = '--header'): [string, string][] {
  return values.map((text) => {
    if (/[\r\n\0]/.test(text)) throw new PlanError(option, `${option} must not contain CR, LF or NUL characters`);
    const colon = text.indexOf(':');
    const name = colon < 0 ? '' : text.slice(0, colon).trim();
    if (!TOKEN.test(name)) throw new PlanError(option, `${option} '${text}' must be 'Name: value' with a valid header name`);
    if (RESERVED.has(name.toLowerCase())) {
      throw new PlanError(option, `${option} ${name} is set by portchurn itself (use --close and --body)`);
    }
    return [name, text.slice(colon + 1).trim()];
  });
}

/** Validates `--method`: an HTTP token, upper-cased. */
export function parseMethod(text: string, option = '--method'): string {
  if (!TOKEN.test(text)) throw new PlanError(option, `${option} '${text}' is not an HTTP method`);
  return text.toUpperCase();
}
