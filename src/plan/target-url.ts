import { PlanError } from '../errors.js';
import { familyOf, isLoopback, type Family } from './addresses.js';

/** What a target speaks: HTTP/1.1, HTTP/1.1 over TLS, or raw TCP (bytes out, bytes back). */
export type Protocol = 'http' | 'https' | 'tcp';

/** Where the load goes: an HTTP(S) URL or a raw TCP endpoint. */
export interface TargetEndpoint {
  readonly protocol: Protocol;
  /** Host as given, without IPv6 brackets: an IP literal or a name (`localhost`). */
  readonly host: string;
  readonly port: number;
  /** Request path with query, for HTTP; `/` for TCP. */
  readonly path: string;
  /** Family of the host when it is an IP literal; null for a name. */
  readonly family: Family | null;
  /** The URL as the user gave it, normalised. */
  readonly url: string;
}

/** Parses `--target`: `http://`, `https://` or `tcp://host:port`. */
export function parseTarget(text: string, option = '--target'): TargetEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PlanError(option, `${option} '${text}' is not a URL (http://127.0.0.1:8080/, https://..., tcp://127.0.0.1:6379)`);
  }
  const protocol = url.protocol.replace(/:$/, '');
  if (protocol !== 'http' && protocol !== 'https' && protocol !== 'tcp') {
    throw new PlanError(option, `${option} '${text}' has scheme '${protocol}:'; use http:, https: or tcp:`);
  }
  if (url.username || url.password) throw new PlanError(option, `${option} must not carry credentials; use --header`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new PlanError(option, `${option} '${text}' has no host`);
  const defaultPort = protocol === 'http' ? 80 : protocol === 'https' ? 443 : undefined;
  const port = url.port === '' ? defaultPort : Number(url.port);
  if (port === undefined || port < 1) throw new PlanError(option, `${option} '${text}' needs a port (tcp://127.0.0.1:6379)`);
  return { protocol, host, port, path: protocol === 'tcp' ? '/' : `${url.pathname}${url.search}`, family: familyOf(host), url: url.href };
}

/**
 * Decides whether a target host may receive load without `--allow-remote`. IP literals must be
 * loopback; `localhost` is accepted; any other name is accepted here and must resolve to
 * loopback at pre-flight (see `resolveTargetHost`).
 */
export function checkTargetAllowed(host: string, allowRemote: boolean, option = '--target'): void {
  if (allowRemote) return;
  if (familyOf(host) !== null && !isLoopback(host)) {
    throw new PlanError(
      option,
      `${option} ${host} is not a loopback address; portchurn exhausts ports, so pass --allow-remote to aim it elsewhere`,
    );
  }
}

/**
 * Loopback sources reach only loopback destinations: towards any other address the kernel
 * refuses the connect() (EINVAL; a 127/8 source never leaves the host). So loopback `--sources`
 * with a target elsewhere is refused before any traffic, with what works instead.
 */
export function checkSourcesReach(sources: readonly string[], targetAddress: string, option = '--sources'): void {
  if (familyOf(targetAddress) === null || isLoopback(targetAddress)) return;
  const loopback = sources.find(isLoopback);
  if (loopback === undefined) return;
  throw new PlanError(
    option,
    `${option} ${loopback} is a loopback address and cannot reach ${targetAddress} (the kernel refuses it with EINVAL); ` +
      'towards a remote target use addresses this host really has, or leave --sources out',
  );
}
