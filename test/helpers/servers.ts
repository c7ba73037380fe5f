import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { waitUntil } from './events.js';

/** A raw TCP server on loopback that records every connection it accepts. */
export interface RecordingServer {
  readonly port: number;
  readonly host: string;
  /** Remote address and port of each accepted connection, in order. */
  readonly accepted: { address: string; port: number }[];
  /** Resolves once `count` connections were accepted; rejects after `timeoutMs`. */
  whenAccepted(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a loopback TCP server. `onSocket` decides what it does with each connection (answer,
 * echo, stall); the server records the remote address and port first.
 */
export async function startRecordingServer(onSocket: (socket: Socket) => void, host = '127.0.0.1'): Promise<RecordingServer> {
  const accepted: { address: string; port: number }[] = [];
  const sockets = new Set<Socket>();
  const onAccept = new Set<() => void>();
  const server: Server = createServer((socket) => {
    accepted.push({ address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 });
    for (const wake of onAccept) wake();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen({ host, port: 0, backlog: 1024 }, resolve));
  return {
    host,
    port: (server.address() as AddressInfo).port,
    accepted,
    whenAccepted: (count, timeoutMs = 30_000) =>
      waitUntil(
        `${count} accepted connections (${accepted.length} so far)`,
        timeoutMs,
        () => accepted.length >= count,
        (wake) => {
          onAccept.add(wake);
          return () => onAccept.delete(wake);
        },
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers each HTTP request with 200 and `Connection: close`, then closes. */
export function answerHttp(socket: Socket): void {
  socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
}

/** Accepts and never answers: a stalling target. */
export function stall(socket: Socket): void {
  socket.resume();
}

/** Echoes what it reads. */
export function echo(socket: Socket): void {
  socket.pipe(socket);
}

/** A loopback port with nothing listening: bound once to learn a free port, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
