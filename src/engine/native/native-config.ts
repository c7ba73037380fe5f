import type { LoadJob, LoadPart } from '../load-engine.js';
import { GRACE_MS } from '../load-engine.js';
import type { NativeConfig } from '../../addon/configs.js';

/**
 * One native thread's configuration for one part of a load: the job's target and port path,
 * the part's sources, share and bounds. The request crosses as it was serialised once.
 */
export function nativeConfigOf(job: LoadJob, part: LoadPart, startMs: number): NativeConfig {
  const { target } = job;
  return {
    destinations: target.destinations,
    sources: part.sources,
    portMode: job.portMode,
    explicitPorts: job.explicitPorts,
    skipPorts: job.portMode === 'explicit' ? job.skipPorts : [],
    socketPortRange: job.socketPortRange,
    request: target.request,
    http: target.protocol !== 'tcp',
    expectBytes: target.expectBytes,
    headRequest: target.headRequest,
    timeCalls: job.callTimes,
    close: job.close,
    connections: part.load.kind === 'closed' ? part.load.connections : part.load.maxInFlight,
    ratePerSec: part.load.kind === 'open' ? part.load.ratePerSec : null,
    startMs,
    durationMs: job.durationMs,
    maxAttempts: part.requests,
    timeoutMs: job.timeoutMs,
    graceMs: GRACE_MS,
  };
}
