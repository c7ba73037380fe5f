/**
 * A path as one word of a proxy's configuration (nginx and HAProxy read quotes alike): double-quoted, `"` and `\` escaped, so a prefix with a space or a
 * `;` in it (a TMPDIR like `/tmp/my runs`) stays one argument.
 */
export function quoted(path: string): string {
  return `"${path.replace(/["\\]/g, '\\$&')}"`;
}
