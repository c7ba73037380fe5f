import { createChurnTransport } from './churn-transport.js';
import { createKeepaliveTransport } from './keepalive-transport.js';
import { createRawKeepaliveTransport } from './keepalive-raw-transport.js';
import type { LoadJob, LoadPart } from '../load-engine.js';
import type { Transport } from './transport.js';

/** Keepalive: most connections per (source, destination), the part's concurrency divided among them. */
function keepaliveConnectionsPer(job: LoadJob, part: LoadPart): number {
  const concurrency = part.load.kind === 'closed' ? part.load.connections : Math.min(part.load.maxInFlight, 256);
  return Math.max(1, Math.ceil(concurrency / (Math.max(1, part.sources.length) * job.target.destinations.length)));
}

/**
 * The JavaScript transport one part of a load needs: a connection per attempt (the churn path),
 * or kept connections for the keepalive reference, on portchurn's raw sockets or undici's pool.
 */
export function transportFor(job: LoadJob, part: LoadPart, now: () => number): Transport {
  if (job.close !== 'keepalive') return createChurnTransport(job, now);
  const perKey = keepaliveConnectionsPer(job, part);
  if (job.keepaliveClient === 'raw' && job.target.protocol !== 'tcp') return createRawKeepaliveTransport(job, perKey, now);
  return createKeepaliveTransport(job, part.sources.length === 0 ? [null] : part.sources, perKey, now);
}
