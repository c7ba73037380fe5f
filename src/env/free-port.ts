import { createServer, type AddressInfo } from 'node:net';

/**
 * A TCP port free on `host` now: the kernel picks one for a listener that is closed at once.
 * Another program may take it before the caller listens; callers that start a server on it
 * check that it listens.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
