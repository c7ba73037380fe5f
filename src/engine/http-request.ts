import { hostPort } from '../plan/addresses.js';
import type { ClosePolicy } from '../plan/plan.js';

/** What a request is made of; serialised once per run, written as is on every connection. */
export interface HttpRequestSpec {
  readonly method: string;
  readonly path: string;
  /** `host[:port]` for the Host header (IPv6 in brackets). */
  readonly authority: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | null;
  readonly close: ClosePolicy;
}

/**
 * Serialises an HTTP/1.1 request. With `server` close it asks `Connection: close`, so the server
 * ends the connection first and TIME_WAIT lands on its side. Otherwise it leaves the connection
 * persistent (HTTP/1.1's default), so the server waits and the client's close comes first.
 */
export function serializeRequest(spec: HttpRequestSpec): Buffer {
  const lines = [`${spec.method} ${spec.path || '/'} HTTP/1.1`];
  const hasHost = spec.headers.some(([name]) => name.toLowerCase() === 'host');
  if (!hasHost) lines.push(`Host: ${spec.authority}`);
  if (!spec.headers.some(([name]) => name.toLowerCase() === 'user-agent')) lines.push('User-Agent: portchurn');
  for (const [name, value] of spec.headers) lines.push(`${name}: ${value}`);
  if (spec.close === 'server') lines.push('Connection: close');
  const body = spec.body === null ? null : Buffer.from(spec.body);
  if (body) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

/** `host:port` as a Host header writes it. */
export function authorityOf(host: string, port: number): string {
  return hostPort(host, port);
}
