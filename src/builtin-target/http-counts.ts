import type { Socket } from 'node:net';
import { canonicalAddress, hostPort } from '../plan/addresses.js';
import type { AddressCounts, TargetStats } from '../result/target-stats.js';

/**
 * What the JavaScript target counts, as the native one does: accepted connections and requests
 * per remote address and per local address:port, and the connections that ended with the
 * requests they carried. One per target (its servers share it).
 */
export class TargetCounts {
  private readonly byRemote = new Map<string, AddressCounts>();
  private readonly byLocal = new Map<string, AddressCounts>();
  private connections = 0;
  private requests = 0;
  private readonly ofSocket = new WeakMap<Socket, { remote: AddressCounts; local: AddressCounts; requests: number }>();
  private readonly ended = { connections: 0, requests: 0, maxRequests: 0 };

  private static entry(map: Map<string, AddressCounts>, key: string): AddressCounts {
    let counts = map.get(key);
    if (!counts) {
      counts = { connections: 0, requests: 0 };
      map.set(key, counts);
    }
    return counts;
  }

  /** A connection was accepted. */
  opened(socket: Socket): void {
    this.connections++;
    const remote = TargetCounts.entry(this.byRemote, canonicalAddress(socket.remoteAddress ?? 'unknown'));
    const local = TargetCounts.entry(this.byLocal, hostPort(canonicalAddress(socket.localAddress ?? 'unknown'), socket.localPort ?? 0));
    remote.connections++;
    local.connections++;
    this.ofSocket.set(socket, { remote, local, requests: 0 });
  }

  /** A request came on `socket` (the stats endpoint's are not counted). */
  request(socket: Socket): void {
    this.requests++;
    const of = this.ofSocket.get(socket);
    if (!of) return;
    of.requests++;
    of.remote.requests++;
    of.local.requests++;
  }

  /** The connection ended, either side closing. */
  closed(socket: Socket): void {
    const carried = this.ofSocket.get(socket)?.requests ?? 0;
    this.ended.connections++;
    this.ended.requests += carried;
    this.ended.maxRequests = Math.max(this.ended.maxRequests, carried);
  }

  /** The counts so far, as the stats endpoint serves them. */
  stats(): TargetStats {
    return {
      connections: this.connections,
      requests: this.requests,
      byRemoteAddress: Object.fromEntries(this.byRemote),
      byLocalAddress: Object.fromEntries(this.byLocal),
      ended: { ...this.ended },
    };
  }
}
