import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { canonicalAddress } from '../plan/addresses.js';
import type { TargetStats } from '../result/target-stats.js';
import { TargetCounts } from './http-counts.js';
import { STATS_PATH, TARGET_DEFAULTS, type TargetOptions } from './target-options.js';

/** A running target server set: one HTTP server per listen address, sharing counters. */
export interface TargetServers {
  /** Where it listens, with port 0 replaced by the real port. */
  readonly addresses: readonly { host: string; port: number }[];
  stats(): TargetStats;
  close(): Promise<void>;
}

/** The request handler: the stats endpoint, or the prepared answer after the delay, closing first or not by the policy. */
function handler(options: TargetOptions, counts: TargetCounts): (req: IncomingMessage, res: ServerResponse) => void {
  const body = Buffer.alloc(options.bodyBytes, 'o');
  return (req, res) => {
    if (req.url === STATS_PATH) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(counts.stats()));
      return;
    }
    counts.request(req.socket);
    const respond = (): void => {
      // `server`: Connection: close makes Node end the socket after the response, so the
      // server sends the first FIN and holds the TIME_WAIT. `client`: the connection stays
      // open and the client's close comes first.
      const headers: Record<string, string | number> = { 'content-type': 'text/plain', 'content-length': body.length };
      if (options.close === 'server') headers.connection = 'close';
      // `client` means the target never closes first, even when the request asks it to
      // (HTTP/1.0, or `Connection: close` as nginx sends upstream): the client's FIN comes
      // first and the TIME_WAIT stays with the client (or the proxy).
      else res.shouldKeepAlive = true;
      res.writeHead(200, headers);
      res.end(body);
    };
    req.resume();
    req.on('end', () => (options.delayMs > 0 ? setTimeout(respond, options.delayMs) : respond()));
  };
}

/** One server with the target's timeouts, counting each connection it accepts. */
function targetServer(options: TargetOptions, counts: TargetCounts, sockets: Set<Socket>): Server {
  const headTimeoutMs = options.headTimeoutMs ?? TARGET_DEFAULTS.headTimeoutMs;
  const server = createServer(
    {
      keepAliveTimeout: options.idleTimeoutMs ?? TARGET_DEFAULTS.idleTimeoutMs,
      requestTimeout: 0,
      headersTimeout: headTimeoutMs,
      // Node checks the headers timeout only this often (30 s by default).
      connectionsCheckingInterval: Math.min(30_000, Math.max(10, Math.floor(headTimeoutMs / 4))),
    },
    handler(options, counts),
  );
  server.on('connection', (socket: Socket) => {
    counts.opened(socket);
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      counts.closed(socket);
    });
    // A client that resets is normal here; without a handler the error would be thrown.
    socket.on('error', () => {});
  });
  return server;
}

/** Listens each server on its address (port 0: the kernel's choice); closes them all when one cannot. */
async function listenAll(servers: readonly Server[], listen: TargetOptions['listen']): Promise<{ host: string; port: number }[]> {
  try {
    return await Promise.all(
      servers.map(
        (server, i) =>
          new Promise<{ host: string; port: number }>((resolve, reject) => {
            const { host, port } = listen[i]!;
            server.once('error', reject);
            // A deep accept queue: a churn load bursts SYNs (the kernel caps it at net.core.somaxconn).
            server.listen({ host, port, backlog: 4096 }, () => {
              server.off('error', reject);
              const info = server.address() as AddressInfo;
              resolve({ host: canonicalAddress(info.address), port: info.port });
            });
          }),
      ),
    );
  } catch (error) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw error;
  }
}

/**
 * Starts the built-in HTTP/1.1 target in this thread (the runner puts it in a worker thread):
 * one server per listen address, sharing one set of counts.
 */
export async function startTargetServers(options: TargetOptions): Promise<TargetServers> {
  const counts = new TargetCounts();
  const sockets = new Set<Socket>();
  const servers = options.listen.map(() => targetServer(options, counts, sockets));
  const addresses = await listenAll(servers, options.listen);
  return {
    addresses,
    stats: () => counts.stats(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
