/**
 * The Node options a worker thread inherits, less `--input-type`: it only applies to code given
 * with --eval or on stdin, and a worker given it refuses to start (a library user running
 * `node --input-type=module -e ...` would otherwise see the target fail).
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
}
