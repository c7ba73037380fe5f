import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProxyError, startProxyProcess, type ProxyProcess } from '../proxy-process.js';

/** The folders an nginx prefix needs: logs and every temp path the configuration names. */
export const NGINX_PREFIX_DIRS = ['logs', 'temp', 'temp/client', 'temp/proxy', 'temp/fastcgi', 'temp/uwsgi', 'temp/scgi'] as const;

/** A running nginx, started by us. */
export interface NginxProcess extends ProxyProcess {
  readErrorLog(): Promise<string>;
}

/**
 * Writes `config` into the prefix, checks it with `nginx -t` (an error carries nginx's own
 * message, with the file and line), starts nginx in the foreground and waits until it listens on
 * `listenPort`.
 */
export async function startNginx(bin: string, prefix: string, config: string, listenPort: number, now = () => 0): Promise<NginxProcess> {
  const confPath = join(prefix, 'nginx.conf');
  await writeFile(confPath, config);
  const check = spawnSync(bin, ['-t', '-q', '-p', prefix, '-c', confPath], { encoding: 'utf8' });
  if (check.status !== 0) {
    const message = `${check.stderr}`.split('\n').find((l) => l.includes('[emerg]')) ?? `${check.stderr}`.trim();
    throw new ProxyError(`nginx rejected its configuration: ${message}`);
  }
  // SIGQUIT: nginx's graceful shutdown.
  const proxy = await startProxyProcess('nginx', bin, ['-p', prefix, '-c', confPath], listenPort, 'SIGQUIT', now);
  return { ...proxy, readErrorLog: () => readFile(join(prefix, 'logs', 'error.log'), 'utf8').catch(() => '') };
}
