import { NGINX_PREFIX_DIRS, startNginx, type NginxProcess } from '../src/proxy/nginx/process.js';
import { findProxy, makePrefix, removePrefix } from '../src/proxy/proxy-process.js';

/** nginx as the benchmarks' peer: one worker answering 2 bytes at 127.0.0.1, in a private prefix. */
export interface NginxPeer {
  readonly nginx: NginxProcess;
  readonly prefix: string;
  readonly port: number;
}

/**
 * Starts the peer nginx (master_process off, one worker, access log off, keepalive unbounded), or
 * throws when nginx is not installed or will not start; the caller stops it and removes the prefix.
 */
export async function startNginxPeer(): Promise<NginxPeer> {
  const bin = findProxy('nginx');
  const prefix = await makePrefix('nginx', NGINX_PREFIX_DIRS);
  const port = 20000 + Math.floor(Math.random() * 10000);
  const config = `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/logs/error.log error;\nevents { worker_connections 16384; }\nhttp {\n  access_log off;\n  client_body_temp_path ${prefix}/temp/client;\n  proxy_temp_path ${prefix}/temp/proxy;\n  fastcgi_temp_path ${prefix}/temp/fastcgi;\n  uwsgi_temp_path ${prefix}/temp/uwsgi;\n  scgi_temp_path ${prefix}/temp/scgi;\n  keepalive_requests 10000000;\n  server { listen 127.0.0.1:${port} backlog=4096; location / { return 200 "ok"; } }\n}\n`;
  try {
    return { nginx: await startNginx(bin, prefix, config, port), prefix, port };
  } catch (error) {
    await removePrefix(prefix);
    throw error;
  }
}
