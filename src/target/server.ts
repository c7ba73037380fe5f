import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { canonicalAddress, hostPort } from '../plan/addresses.js';
import { STATS_PATH, type TargetOptions } from './stats.js';
import type { AddressCounts, TargetStats } from '../result/target-stats.js';

/** A running target server set: one HTTP server per listen address, sharing counters. */
export interface TargetServers {
  /** Where it listens, with port 0 replaced by the real port. */
  readonly addresses: readonly { host: string; port: number }[];
  stats(): TargetStats;
  close(): Promise<void>;
}

function countIn(map: Map<string, AddressCounts>, key: string): AddressCounts {
  let counts = map.get(key);
  if (!counts) {
    counts = { connections: 0, requests: 0 };
    map.set(key, counts);
  }
  return counts;
}

function keyOf(host: string, port: number): string {
  return hostPort(host, port);
}

/**
 * Starts the built-in HTTP/1.1 target in this thread (the runner puts it in a worker thread).
 * It counts accepted connections and requests per remote and per local address.
 */
export async function startTargetServers(options: TargetOptions): Promise<TargetServers> {
  const byRemote = new Map<string, AddressCounts>();
  const byLocal = new Map<string, AddressCounts>();
  let connections = 0;
  let requests = 0;
  const body = Buffer.alloc(options.bodyBytes, 'o');
  const sockets = new Set<Socket>();
  const socketCounts = new WeakMap<Socket, [AddressCounts, AddressCounts]>();
  const socketRequests = new WeakMap<Socket, number>();
  const ended = { connections: 0, requests: 0, maxRequests: 0 };

  const stats = (): TargetStats => ({
    connections,
    requests,
    byRemoteAddress: Object.fromEntries(byRemote),
    byLocalAddress: Object.fromEntries(byLocal),
    ended: { ...ended },
  });

  const servers: Server[] = options.listen.map(() => {
    const headTimeoutMs = options.headTimeoutMs ?? 60_000;
    const server = createServer(
      {
        keepAliveTimeout: options.idleTimeoutMs ?? 60_000,
        requestTimeout: 0,
        headersTimeout: headTimeoutMs,
        // Node checks the headers timeout only this often (30 s by default).
        connectionsCheckingInterval: Math.min(30_000, Math.max(10, Math.floor(headTimeoutMs / 4))),
      },
      (req, res) => {
        if (req.url === STATS_PATH) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(stats()));
          return;
        }
        requests++;
        socketRequests.set(req.socket, (socketRequests.get(req.socket) ?? 0) + 1);
        const counts = socketCounts.get(req.socket);
        if (counts) {
          counts[0].requests++;
          counts[1].requests++;
        }
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
      },
    );
    server.on('connection', (socket: Socket) => {
      connections++;
      const remote = canonicalAddress(socket.remoteAddress ?? 'unknown');
      const local = keyOf(canonicalAddress(socket.localAddress ?? 'unknown'), socket.localPort ?? 0);
      const counts: [AddressCounts, AddressCounts] = [countIn(byRemote, remote), countIn(byLocal, local)];
      counts[0].connections++;
      counts[1].connections++;
      socketCounts.set(socket, counts);
      sockets.add(socket);
      socket.on('close', () => {
        sockets.delete(socket);
        const carried = socketRequests.get(socket) ?? 0;
        ended.connections++;
        ended.requests += carried;
        ended.maxRequests = Math.max(ended.maxRequests, carried);
      });
      // A client that resets is normal here; without a handler the error would be thrown.
      socket.on('error', () => {});
    });
    return server;
  });

  const addresses = await Promise.all(
    servers.map(
      (server, i) =>
        new Promise<{ host: string; port: number }>((resolve, reject) => {
          const { host, port } = options.listen[i]!;
          server.once('error', reject);
          // A deep accept queue: a churn load bursts SYNs (the kernel caps it at net.core.somaxconn).
          server.listen({ host, port, backlog: 4096 }, () => {
            server.off('error', reject);
            const info = server.address() as AddressInfo;
            resolve({ host: canonicalAddress(info.address), port: info.port });
          });
        }),
    ),
  ).catch(async (error: unknown) => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw error;
  });

  return {
    addresses,
    stats,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
