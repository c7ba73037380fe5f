import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProxyError, startProxyProcess, type ProxyProcess } from '../proxy-process.js';

/**
 * HAProxy's first complaint about a configuration (`haproxy -c`): the `[ALERT]` line that names
 * the file and line (`parsing [.../haproxy.cfg:12] : unknown keyword ...`), else the first alert.
 */
export function haproxyConfigError(output: string): string {
  const alerts = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('[ALERT]'));
  const line = alerts.find((l) => /parsing \[/.test(l)) ?? alerts[0] ?? output.trim().split('\n')[0] ?? '';
  // `[ALERT]    (1234) : config : parsing [...]`: keep what follows the pid.
  return line.replace(/^\[ALERT\]\s+\(\d+\)\s*:\s*/, '');
}

/**
 * Writes `config` into the prefix, checks it with `haproxy -c` (a rejection carries HAProxy's own
 * message with the line), starts HAProxy in the foreground (`-db`) and waits until it listens on
 * `listenPort`. Stopped with SIGTERM (HAProxy's immediate stop) by its pid.
 */
export async function startHaproxy(
  bin: string,
  prefix: string,
  config: string,
  listenPort: number,
  now = () => 0,
  onStderrLine?: (line: string) => void,
): Promise<ProxyProcess> {
  const confPath = join(prefix, 'haproxy.cfg');
  await writeFile(confPath, config);
  const check = spawnSync(bin, ['-c', '-f', confPath], { encoding: 'utf8' });
  if (check.status !== 0)
    throw new ProxyError(`haproxy rejected its configuration: ${haproxyConfigError(`${check.stdout}\n${check.stderr}`)}`);
  return startProxyProcess('haproxy', bin, ['-db', '-f', confPath], listenPort, 'SIGTERM', now, onStderrLine);
}
