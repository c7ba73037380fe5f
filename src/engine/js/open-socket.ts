import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** Where a raw transport's socket goes, from where, and how. */
export interface SocketTarget {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  /** null: the kernel picks the source address. */
  readonly localAddress: string | null;
  /** 0: the kernel picks the source port. */
  readonly localPort: number;
  readonly noDelay: boolean;
  /** TLS: accept any certificate. */
  readonly insecure: boolean;
  /** TLS server name; null: none sent. */
  readonly servername: string | null;
}

/** Opens a TCP or TLS socket as both raw transports do: no lookup (IP literals), a bound source when asked. */
export function openSocket(t: SocketTarget): Socket {
  const options = {
    host: t.host,
    port: t.port,
    noDelay: t.noDelay,
    ...(t.localAddress === null ? {} : { localAddress: t.localAddress }),
    ...(t.localPort === 0 ? {} : { localPort: t.localPort }),
  };
  if (!t.secure) return netConnect(options);
  return tlsConnect({ ...options, rejectUnauthorized: !t.insecure, ...(t.servername ? { servername: t.servername } : {}) });
}
