import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostPort } from '../plan/addresses.js';
import type { MetricsRegistries } from './registries.js';

/** A running metrics endpoint. */
export interface MetricsServer {
  /** `http://HOST:PORT/metrics` with the real port. */
  readonly url: string;
  close(): Promise<void>;
}

/** What the endpoint serves beside /metrics: extra JSON documents by path (the watch's last reads). */
export type ExtraRoutes = Readonly<Record<string, (query: URLSearchParams) => unknown>>;

/**
 * Serves /metrics from the registries: OpenMetrics when the scrape's Accept asks for it, the
 * Prometheus text format otherwise. `beforeScrape` runs first (a watch reads its namespaces there,
 * at most once an interval); a failure answers 500 with the reason.
 */
export async function startMetricsServer(options: {
  readonly host: string;
  readonly port: number;
  readonly registries: MetricsRegistries;
  readonly beforeScrape?: () => Promise<void>;
  readonly extra?: ExtraRoutes;
}): Promise<MetricsServer> {
  const { registries } = options;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const extra = options.extra?.[url.pathname];
    if (req.method !== 'GET' || (url.pathname !== '/metrics' && !extra)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('portchurn: GET /metrics\n');
      return;
    }
    void (async () => {
      try {
        if (extra) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(extra(url.searchParams)));
          return;
        }
        await options.beforeScrape?.();
        const open = (req.headers.accept ?? '').includes('application/openmetrics-text');
        const registry = open ? registries.openMetrics : registries.prometheus;
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType }).end(body);
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`portchurn: ${(error as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostPort(options.host, port)}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
